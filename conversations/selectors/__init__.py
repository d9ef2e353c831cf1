"""Read-side queries of the inbox, one module per responsibility. Every selector is scoped by
`workspace=` (or by a conversation of one).

The hot ones (the list, the timeline, the panes) run a fixed number of queries whatever the
number of rows shown; tests pin those counts.

- search.py     query normalising, customer and message matches
- filters.py    the list's filters as a queryset; blocked customers left out
- rows.py       list rows, their labels, keyset pages and cursors
- counts.py     the tabs' capped badge counts
- timeline.py   a conversation's messages and the customer's comments
- labels.py     label sets for the picker and the settings page
- marks.py      follow / mute marks, quick replies for the composer
- customers.py  the customer pane, "My customers", blocked customers
"""
