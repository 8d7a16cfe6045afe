//! Engagement statuses (对接记录的状态): their names, their labels, and the moves allowed between them.
//! The server records and counts engagements by them and the widget shows them, so both read this.

use std::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// Where an engagement stands. It moves one step at a time along intent → contacted → negotiating →
/// signed → landed, or drops out from any open status; `Landed` and `Dropped` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Status {
    Intent,
    Contacted,
    Negotiating,
    Signed,
    Landed,
    Dropped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Intent,
        Status::Contacted,
        Status::Negotiating,
        Status::Signed,
        Status::Landed,
        Status::Dropped,
    ];

    /// The forward path, in order; `Dropped` leaves it.
    pub const FUNNEL: [Status; 5] = [
        Status::Intent,
        Status::Contacted,
        Status::Negotiating,
        Status::Signed,
        Status::Landed,
    ];

    /// The name in the API, the store and the statistics.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Intent => "intent",
            Status::Contacted => "contacted",
            Status::Negotiating => "negotiating",
            Status::Signed => "signed",
            Status::Landed => "landed",
            Status::Dropped => "dropped",
        }
    }

    /// The status of a name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// The Chinese label shown to brokers.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Intent => "意向",
            Status::Contacted => "已联系",
            Status::Negotiating => "洽谈中",
            Status::Signed => "已签约",
            Status::Landed => "已落地",
            Status::Dropped => "已终止",
        }
    }

    /// The English label: the name itself.
    pub fn label_en(self) -> &'static str {
        self.as_str()
    }

    /// The statuses this one may move to: the next step forward, or `dropped` from any open status.
    pub fn allowed_next(self) -> &'static [Status] {
        match self {
            Status::Intent => &[Status::Contacted, Status::Dropped],
            Status::Contacted => &[Status::Negotiating, Status::Dropped],
            Status::Negotiating => &[Status::Signed, Status::Dropped],
            Status::Signed => &[Status::Landed, Status::Dropped],
            Status::Landed | Status::Dropped => &[],
        }
    }

    pub fn may_move_to(self, to: Status) -> bool {
        self.allowed_next().contains(&to)
    }

    /// Whether nothing can follow: landed or dropped.
    pub fn is_final(self) -> bool {
        self.allowed_next().is_empty()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
