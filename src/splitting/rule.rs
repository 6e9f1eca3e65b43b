use serde::{Deserialize, Serialize};

/// How a cohort's cost is divided among its parties (rules.md, "Split rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitRule {
    /// Everyone pays `total × seats / size`.
    PerSeat,
    /// The fixed fee is split equally; each pays its own seats.
    EqualFixed,
    /// The fixed fee is split by number of employees; each pays its own seats.
    EmployeesWeighted,
    /// The host pays the fixed fee; each pays its own seats.
    HostFixed,
}
