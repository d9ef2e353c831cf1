"""Write-side rules of the inbox, one module per concern:

- messages.py  inbound recording (from webhooks), outbound sends, delivery status
- actions.py   what agents do to a conversation: labels, orders, notes, follow, mute,
               block, close / archive / reopen, mark unread, rating

Routing rules (claim, assignment, release, transfer) live in `routing.services`.
"""
