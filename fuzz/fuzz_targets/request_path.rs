//! The request path's normal-form check, seen through the two route sets that hold no
//! listed prefix: every route (`*`) and none. Guarantees, for every path: `*` answers
//! `Listed` exactly when the plain normal-form rule (`tollgate_fuzz::route`) accepts the
//! path and `NotInNormalForm` otherwise; the empty set answers `NotListed` or
//! `NotInNormalForm` on the same split; and a path rebuilt from its segments
//! (`/` + segments joined with `/`) is in normal form with the same segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{RouteMatch, RouteSet};
use tollgate_fuzz::route;

fuzz_target!(|path: &str| {
    let segments = route::normal_segments(path);
    let (all, none) = (RouteSet::all().lookup(path), RouteSet::none().lookup(path));
    match &segments {
        Some(segments) => {
            assert_eq!(
                (all, none),
                (RouteMatch::Listed, RouteMatch::NotListed),
                "{path:?}"
            );
            let rebuilt = format!("/{}", segments.join("/"));
            assert_eq!(route::normal_segments(&rebuilt).as_ref(), Some(segments));
            assert_eq!(
                RouteSet::all().lookup(&rebuilt),
                RouteMatch::Listed,
                "{rebuilt:?}"
            );
        }
        None => assert_eq!(
            (all, none),
            (RouteMatch::NotInNormalForm, RouteMatch::NotInNormalForm),
            "{path:?}"
        ),
    }
});
