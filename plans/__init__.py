"""The national training plan: how many people each governorate (and, where set, each training
centre) should train in each course in a year, and how many of them women.

Targets sit beside the cascade records, not inside them: the plan is loaded from the
Directorate's spreadsheets and compared with what the sessions actually reached.
"""
