"""The naive baseline of ``media_forwarding.py``: the same room, but each publisher's track is
decoded and aiortc's ``MediaRelay`` feeds every subscriber's sender, which encodes it again
(decode once, encode once per receiver): what an aiortc SFU does without forwarding.

Used by the benchmark through the worker's ``room_class`` setting; not part of the package.
"""

from __future__ import annotations

from aiortc.contrib.media import MediaRelay

from jupyter_studysession.services.media.forward import Publication
from jupyter_studysession.services.media.room import MediaRoom


class DecodedPublication(Publication):
    """Lets aiortc decode the track (no tap)."""

    def tap(self) -> None:
        pass


class RelayRoom(MediaRoom):
    publication_class = DecodedPublication

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.relay = MediaRelay()

    def _subscribe_all(self, peer) -> bool:
        changed = super()._subscribe_all(peer)
        for slot in peer.slots:
            publication = slot.publication
            if publication is not None and getattr(slot, "relayed", None) is not publication:
                sender = slot.transceiver.sender
                sender.replaceTrack(self.relay.subscribe(publication.receiver.track))
                vars(sender).pop("_send_keyframe", None)  # its own encoder makes keyframes
                slot.relayed = publication
        return changed
