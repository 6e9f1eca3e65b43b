//! Typed ids, so an organisation id can never be passed where an agreement id
//! is meant.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, DieselNewType,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    OrganisationId,
    AgreementId,
    CourseId,
    NeedId,
    UserId,
    TokenId,
    PlanId,
    CohortId,
    AllocationId,
    SplitId,
    InvoiceLineId,
    AuditEntryId,
    OutboxId,
    ParticipantId,
    WaitlistId,
);
