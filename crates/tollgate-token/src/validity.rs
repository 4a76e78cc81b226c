//! Whether a known token may be used at a given time.

use chrono::{DateTime, Utc};

use crate::InactiveToken;

/// The time limits on a token: an optional expiry and an optional revocation.
///
/// The clock is passed in, never read here, so callers and tests control time.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use tollgate_token::{InactiveToken, Validity};
///
/// let expires = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let validity = Validity { expires_at: Some(expires), revoked_at: None };
/// assert_eq!(validity.check(expires), Err(InactiveToken::Expired { at: expires }));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Validity {
    /// The first instant at which the token no longer works; `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the token was revoked; `None` is not revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Validity {
    /// `Ok` when the token may be used at `now`.
    ///
    /// A token expires at `expires_at` itself (`now >= expires_at`, as Part-DB does).
    /// Revocation is reported first when both apply, and takes effect whatever its time:
    /// a revoked token stays revoked until restored.
    ///
    /// # Errors
    /// [`InactiveToken`] saying whether it was revoked or has expired.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), InactiveToken> {
        if let Some(at) = self.revoked_at {
            return Err(InactiveToken::Revoked { at });
        }
        match self.expires_at {
            Some(at) if now >= at => Err(InactiveToken::Expired { at }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    #[test]
    fn no_limits_is_valid_forever() {
        assert_eq!(Validity::default().check(DateTime::<Utc>::MAX_UTC), Ok(()));
    }

    #[test]
    fn expiry_boundary_is_expired() {
        let validity = Validity {
            expires_at: Some(noon()),
            revoked_at: None,
        };
        assert_eq!(validity.check(noon() - Duration::nanoseconds(1)), Ok(()));
        assert_eq!(
            validity.check(noon()),
            Err(InactiveToken::Expired { at: noon() })
        );
        assert_eq!(
            validity.check(noon() + Duration::days(1)),
            Err(InactiveToken::Expired { at: noon() })
        );
    }

    #[test]
    fn revoked_wins_over_expired_and_over_time() {
        let revoked_at = noon() + Duration::hours(1);
        let validity = Validity {
            expires_at: Some(noon()),
            revoked_at: Some(revoked_at),
        };
        assert_eq!(
            validity.check(noon() - Duration::days(1)),
            Err(InactiveToken::Revoked { at: revoked_at })
        );
        assert_eq!(
            validity.check(noon() + Duration::days(1)),
            Err(InactiveToken::Revoked { at: revoked_at })
        );
    }
}
