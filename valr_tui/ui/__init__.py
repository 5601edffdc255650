"""The Textual dashboard. Widgets render state and post intents; workers own the loops."""
