"""Certificates: issuing, PDF rendering, verification and revocation.

No models yet: certificates are issued from completed participations and e-learning completions.
"""
