"""A local Slack for the demo and the tests: the Web API, its limits, requests signed as
Slack signs them. `api` serves it, `limits` says what Slack refuses, `wire` builds requests."""
