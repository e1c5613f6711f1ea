"""Integrations: the community's domain events sent to other systems, as signed webhooks
(Standard Webhooks) and as team alerts to Slack- or Teams-compatible incoming webhooks.

The top layer: it subscribes to every event (events.ALL) and may import any app; no app
imports it. docs/webhooks.md says what receivers get.
"""
