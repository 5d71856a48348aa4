"""Block Kit builders: pure functions from service results to Slack payloads (SPEC §4.3–4.4).

Every stored text goes through `esc` before it reaches mrkdwn; every list respects Slack's limits
(50 blocks a message, 100 in a modal, 3000 characters per section text). One module per surface.
"""
