"""Secondary screens (audit, journal, help) and the modals (confirm, unlock)."""
