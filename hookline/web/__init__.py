"""What ``api/`` (Twilio's ``/v1``) and ``control/`` (hookline's ``/_hookline``) share.

- :mod:`~hookline.web.call`: authentication and the request wrapper (:class:`Call`);
- :mod:`~hookline.web.forms`: Twilio's form encoding, read into snake_case fields;
- :mod:`~hookline.web.errors`: Twilio's error JSON;
- :mod:`~hookline.web.paging`: Twilio's list envelope;
- :mod:`~hookline.web.render`: each resource's JSON, as Twilio renders it;
- :mod:`~hookline.web.resource`: the routes of one REST resource at both URL forms.

Nothing here opens a transaction: a handler parses, calls one domain function, renders.
"""
