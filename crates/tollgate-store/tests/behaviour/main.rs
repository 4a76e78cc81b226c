//! One behaviour suite, written once in `cases`, run on every backend: in memory always, on
//! SQLite and PostgreSQL when their features are on (the default; see the crate docs).
//!
//! The PostgreSQL tests are `#[ignore]`d: they need `TOLLGATE_TEST_POSTGRES_URL` to name a
//! server whose user may create databases (each test gets a fresh database), and fail without
//! it. `cargo test -- --include-ignored` runs them; `.ci/run` does, with a server of its own.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod backends;
mod bounds;
mod cache;
mod cases;
#[cfg(feature = "sqlite")]
mod failures;
#[cfg(feature = "postgres")]
mod listener;
mod metering;
mod rotation;
#[cfg(feature = "sqlite")]
mod sqlite_setup;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod urls;

/// Instantiates every case of `$module` for one backend; `$open` is an async fn returning fresh
/// storage. An attribute before the backend's name (an `#[ignore]`) goes on every test.
macro_rules! suite {
    ($backend:ident, $open:path, $module:ident, [$($case:ident),* $(,)?]) => {
        suite!(#[cfg(all())] $backend, $open, $module, [$($case),*]);
    };
    (#[$attr:meta] $backend:ident, $open:path, $module:ident, [$($case:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[$attr]
                async fn $case() {
                    crate::$module::$case($open().await).await;
                }
            )*
        }
    };
}

/// Instantiates every case on every backend: the cases of `cases`, or of the module named
/// before the list.
macro_rules! all_backends {
    ($module:ident: [$($case:ident),* $(,)?]) => {
        suite!(memory, crate::backends::memory, $module, [$($case),*]);
        suite!(cached, crate::backends::cached, $module, [$($case),*]);
        #[cfg(feature = "sqlite")]
        suite!(sqlite, crate::backends::sqlite, $module, [$($case),*]);
        #[cfg(feature = "postgres")]
        suite!(
            #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
            postgres, crate::backends::postgres, $module, [$($case),*]
        );
        #[cfg(feature = "postgres")]
        suite!(
            #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
            cached_postgres, crate::backends::cached_postgres, $module, [$($case),*]
        );
    };
    ($($case:ident),* $(,)?) => {
        suite!(memory, crate::backends::memory, cases, [$($case),*]);
        suite!(cached, crate::backends::cached, cases, [$($case),*]);
        #[cfg(feature = "sqlite")]
        suite!(sqlite, crate::backends::sqlite, cases, [$($case),*]);
        #[cfg(feature = "postgres")]
        suite!(
            #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
            postgres, crate::backends::postgres, cases, [$($case),*]
        );
        #[cfg(feature = "postgres")]
        suite!(
            #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
            cached_postgres, crate::backends::cached_postgres, cases, [$($case),*]
        );
    };
}

all_backends![
    users_are_unique_ignoring_case,
    unknown_owner_is_refused,
    created_token_authenticates_and_lists_without_secret,
    token_names_are_unique_per_owner_ignoring_case,
    concurrent_creates_of_one_name_give_exactly_one_success,
    malformed_and_unknown_tokens_are_refused,
    expiry_is_enforced_at_the_boundary,
    expiry_must_be_in_the_future,
    revoke_and_restore_have_distinct_errors,
    deletion_is_effective_at_once_and_owner_only,
    last_use_is_coalesced_on_elapsed_time,
    last_use_follows_the_configured_interval,
    flush_writes_remembered_uses,
    concurrent_authentications_write_last_use_once,
    purge_removes_tokens_unused_since_cutoff,
    limits_round_trip,
    each_kind_has_its_own_prefix,
    derived_tokens_stay_within_their_parent,
    a_user_and_first_token_are_created_together,
    revocation_reaches_every_descendant,
    revocation_reaches_grandchildren,
    get_by_id_and_list_order,
    a_repeated_digest_is_refused,
    a_parent_ended_after_it_authenticated_makes_no_more_tokens,
];

/// The cases of `rotation`, as `rotated::{backend}::{case}`.
mod rotated {
    all_backends!(rotation: [
        a_rotated_token_keeps_its_record_and_only_the_new_secret_works,
        the_replaced_secret_works_until_its_grace_period_ends,
        rotating_again_ends_the_grace_period_at_once,
        only_the_token_and_the_tokens_it_was_made_from_may_rotate_it,
        a_restored_token_takes_back_its_current_secret_only,
        a_revoked_token_is_not_rotated,
        a_token_made_with_a_replaced_secret_expires_with_its_grace_period,
        a_reported_secret_revokes_its_token_while_it_works,
    ]);
}

/// The cases of `audit`, as `audited::{backend}::{case}`.
mod audited {
    all_backends!(audit: [
        events_read_back_whole_newest_first,
        filters_each_narrow_the_log,
        old_entries_are_deleted_and_ids_keep_growing,
    ]);
}

/// The cases of `metering`, as `metered::{backend}::{case}`.
mod metered {
    all_backends!(metering: [
        a_rate_limit_refuses_the_sixth_use_in_a_minute,
        a_quota_refuses_the_eleventh_use_until_the_month_turns,
        children_count_against_their_parents_limits,
        children_share_their_parents_rate,
        the_default_rate_bounds_each_users_unlimited_tokens_together,
        a_new_users_first_token_starts_a_chain_of_its_own,
        uses_are_counted_per_day_and_saved,
        chains_of_tokens_are_bounded,
    ]);

    #[tokio::test]
    async fn a_save_dropped_halfway_loses_no_use() {
        crate::metering::a_save_dropped_halfway_loses_no_use().await;
    }

    #[tokio::test]
    async fn unreadable_counts_refuse_and_failed_saves_are_kept() {
        crate::metering::unreadable_counts_refuse_and_failed_saves_are_kept().await;
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_and_restarts_share_saved_counts_on_sqlite() {
        let url = tollgate_test_support::sqlite_url();
        crate::metering::instances_and_restarts_share_saved_counts(&url).await;
    }

    #[cfg(feature = "postgres")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
    async fn instances_and_restarts_share_saved_counts_on_postgres() {
        let url = tollgate_test_support::postgres_database_url().await;
        crate::metering::instances_and_restarts_share_saved_counts(&url).await;
    }
}

/// The cases of `bounds`, as `bounded::{backend}::{case}`.
mod bounded {
    all_backends!(bounds: [
        users_are_listed_a_page_at_a_time,
        tokens_are_listed_a_page_at_a_time,
        live_tokens_are_capped_and_freed,
        a_cap_of_zero_creates_nothing_and_leaves_no_user,
        concurrent_creates_never_pass_the_cap,
        the_default_cap_is_100,
        users_are_found_by_many_names_at_once,
    ]);
}
