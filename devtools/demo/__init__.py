"""Demo and benchmark data for `manage.py seed_demo`.

- content.py    Vietnamese names, products, phrase pools, labels, quick replies
- dialogues.py  the customer/shop exchanges of one conversation, per topic and channel
- workspace.py  the workspace, its people, channel accounts, labels, quick replies; --reset
- timeline.py   denormalised conversation fields derived from its messages
- builder.py    the hand-shaped demo (~300 conversations) through the ORM
- bulk.py       large benchmark data sets through PostgreSQL COPY
- copying.py    COPY plumbing: escaping, id reservation, defaults of unsupplied columns
"""
