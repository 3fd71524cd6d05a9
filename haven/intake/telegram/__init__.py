"""The Telegram channel: a bot behind each school's and class's poster.

A plain webhook view (``views``) checks Telegram's secret header, parses the update with
pydantic (``updates``) and hands it to the conversation (``conversation``), which asks what
the web form asks and stores the report through the same rule (``rules.report_clean``) and
service (``services.report_submit``). Bot API calls go over httpx (``bot``); what must reach
the reporter later (the receipt, the school's answers) waits in a durable outbox (``outbox``).
A chat's id is kept only as a keyed hash and a sealed copy, both in ``chats``.
"""
