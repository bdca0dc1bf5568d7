"""The offline field kit: the trainer workspace and saved lessons on a phone with no network.

A trainer takes their open sessions of the coming weeks offline (``bundle``), records attendance,
scores, outcomes and people in the browser (IndexedDB), and sends the queued changes to one sync
endpoint (``/api/v1/sync/``) when the network is back. Each change carries an id the client made:
it is stored once however often it is sent (``SyncChange``'s unique id), passes the same cascade
writer and rules as the online workspace, and what cannot be applied is kept as a conflict for the
trainer to resolve (keep mine, keep theirs, edit) and for the centre manager to see.
"""
