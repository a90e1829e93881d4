"""The live layer: one websocket per browser tab, channels, durable events and the bus."""
