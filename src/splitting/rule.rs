use serde::{Deserialize, Serialize};

/// How a cohort's cost is divided among its parties (rules.md, "Split rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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

impl SplitRule {
    pub const ALL: [SplitRule; 4] =
        [SplitRule::PerSeat, SplitRule::EqualFixed, SplitRule::EmployeesWeighted, SplitRule::HostFixed];

    pub fn as_str(self) -> &'static str {
        match self {
            SplitRule::PerSeat => "per_seat",
            SplitRule::EqualFixed => "equal_fixed",
            SplitRule::EmployeesWeighted => "employees_weighted",
            SplitRule::HostFixed => "host_fixed",
        }
    }

    /// The rule named `text`, or a message listing the rules.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim()).ok_or_else(|| {
            format!("{text:?} is not a split rule; use per_seat, equal_fixed, employees_weighted or host_fixed")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for rule in SplitRule::ALL {
            assert_eq!(SplitRule::parse(rule.as_str()), Ok(rule));
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
        }
        assert!(SplitRule::parse("by_headcount").unwrap_err().contains("per_seat"));
    }
}
