"""Video and voice in session rooms: the rtc.* ops, the call manager, the media backend, and
the aiortc media worker processes (``worker.py``, reached through ``client.py``)."""
