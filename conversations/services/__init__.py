"""Write-side rules of the inbox, one module per responsibility:

- contacts.py         who wrote: the contact and customer of a provider identity, its live
                      conversation
- touch.py            the conversation's denormalised list fields (last message, preview,
                      unread, "Not sent:")
- inbound.py          customer messages and the page's echoes, from webhooks
- inbound_batch.py    a drained chunk of plain customer messages in a few statements
- comments.py         page comments: recording, public / private reply, moderation
- sending.py          what every reply path shares: the locked conversation, the claim
                      check, the text check
- outbound.py         the reply (reply-window policy) and "Send again"
- delivery_status.py  sent / failed / retrying, delivered and read receipts
- labels.py, orders.py, notes.py, read_state.py (read / unread, follow, mute, rating),
  blocking.py, status.py (close / archive / reopen), preferences.py
- customers.py        linking identities and merging customer records
- phones.py           a customer's phone numbers (typed or found in a message)
- acting.py           who may act on a conversation (the claim check)
- system_events.py    the timeline's system lines
- announcements.py    the domain events, one builder a fact

Routing rules (claim, assignment, release, transfer) live in `routing.services`.
"""
