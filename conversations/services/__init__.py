"""Write-side rules of the inbox, one module per concern:

- messages.py  inbound recording (from webhooks), outbound sends, delivery status (issue 3)
- actions.py   what agents do to a conversation: labels, orders, notes, follow, mute,
               block, close / archive / reopen, mark unread, rating (issue 4)

Routing rules (claim, assignment, release, transfer) live in `routing.services`.
"""
