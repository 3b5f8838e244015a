"""hookline's own API under ``/_hookline``: health, events, deliveries, flows, acting."""
