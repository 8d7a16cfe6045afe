//! The yew matchmaking widget (filled in by the widget issue).
