//! What a record (subject or aspect) may be, and the refusals of records that break the rules:
//! one file for both example servers (the actix-web example includes it by path), so that
//! their answers cannot drift.

use http::StatusCode;
use tollgate::refusal::Refusal;

/// The longest description accepted, in characters.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 4096;

/// The most names one writer list holds: each write compares and stores the whole list.
pub(crate) const MAX_WRITERS: usize = 1000;

/// 1 to 60 of `[A-Za-z0-9_-]`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=60).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// 400 `invalid_name` unless `name` is [`valid_name`].
pub(crate) fn check_name(name: &str) -> Result<(), Refusal> {
    if valid_name(name) {
        return Ok(());
    }
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        "invalid_name",
        "names are 1 to 60 of A-Z, a-z, 0-9, '_' and '-'",
    ))
}

/// 400 `invalid_description` for a description too long or holding NUL.
pub(crate) fn check_description(description: Option<&str>) -> Result<(), Refusal> {
    let problem = match description {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => {
            format!("description is limited to {MAX_DESCRIPTION_CHARS} characters")
        }
        Some(text) if text.contains('\0') => {
            "description cannot contain the NUL character".to_owned()
        }
        _ => return Ok(()),
    };
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        "invalid_description",
        problem,
    ))
}

/// 409: a record of this kind has this name already, ignoring case.
pub(crate) fn duplicate_name() -> Refusal {
    Refusal::new(
        StatusCode::CONFLICT,
        "duplicate_name",
        "a record with this name, ignoring case, already exists",
    )
}

/// 422: the writer list would hold more than [`MAX_WRITERS`] names.
pub(crate) fn too_many_writers() -> Refusal {
    Refusal::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_writers",
        format!("a writer list holds at most {MAX_WRITERS} names; nothing was added"),
    )
}
