"""The Twilio Conversations v1 REST surface: one module per resource."""
