//! `tollgate-cors` (through `tollgate-http`'s tower layer): preflight and actual requests next
//! to tower-http's `CorsLayer`, and route matching next to `matchit`.

use core::cell::RefCell;
use core::convert::Infallible;
use core::future::{Ready, poll_fn, ready};
use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response};
use tollgate::cors::{CorsPolicy, RouteCase, RoutePrefix, RouteSet};
use tower::Layer;
use tower::Service;
use tower::service_fn;
use tower::util::ServiceFn;
use tower_http::cors::AllowOrigin;

use super::{Workload, ready_now, same};

/// The routes opened to cross-origin requests, as a `CORS_ROUTES` value.
const ROUTES: [&str; 3] = ["/v1/subjects", "/v1/aspects", "/v1/samples"];

/// The ten allowed origins.
fn origins() -> Vec<String> {
    (0..10)
        .map(|n| format!("https://app{n}.example.com"))
        .collect()
}

/// The origin every request comes from: the eighth of the ten.
const ORIGIN: &str = "https://app7.example.com";

/// Which request a CORS workload answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorsCase {
    /// An allowed preflight: listed route, listed origin, allowed method and headers.
    Preflight,
    /// An allowed actual request.
    Actual,
}

impl CorsCase {
    fn request(self) -> Request<()> {
        let builder = Request::builder()
            .uri("/v1/subjects/42")
            .header("origin", ORIGIN);
        let builder = match self {
            CorsCase::Preflight => builder
                .method(Method::OPTIONS)
                .header("access-control-request-method", "PUT")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                ),
            CorsCase::Actual => builder.method(Method::GET),
        };
        builder.body(()).expect("a valid request")
    }
}

/// The application behind both CORS layers: an empty 200 response.
pub type App = ServiceFn<fn(Request<()>) -> Ready<Result<Response<String>, Infallible>>>;

fn app() -> App {
    fn empty(_: Request<()>) -> Ready<Result<Response<String>, Infallible>> {
        ready(Ok(Response::new(String::new())))
    }
    service_fn(empty as fn(Request<()>) -> _)
}

/// A CORS layer around [`App`], answering one kind of request: `poll_ready`, then `call`,
/// then the response future, polled once.
pub struct LayeredApp<S> {
    case: CorsCase,
    service: RefCell<S>,
}

impl<S> Workload for LayeredApp<S>
where
    S: Service<Request<()>, Response = Response<String>, Error = Infallible>,
{
    type Input = Request<()>;
    type Output = Response<String>;

    fn input(&self, _: usize) -> Request<()> {
        self.case.request()
    }

    fn run(&self, request: Request<()>) -> Response<String> {
        let mut service = self.service.borrow_mut();
        let Ok(()) = ready_now(poll_fn(|cx| service.poll_ready(cx)));
        let Ok(response) = ready_now(service.call(request));
        response
    }
}

/// Ours: `tollgate_http::CorsLayer` over [`CorsPolicy`], around the application.
pub type TollgateCors = LayeredApp<tollgate::http::Cors<App>>;

/// The peer: tower-http's `CorsLayer` around the same application.
pub type TowerHttpCors = LayeredApp<tower_http::cors::Cors<App>>;

/// Ours, for `case`.
pub fn tollgate_cors(case: CorsCase) -> TollgateCors {
    let policy = CorsPolicy::builder()
        .routes(&ROUTES.join(","))
        .allowed_origins(&origins().join(","))
        .build()
        .expect("a valid policy");
    LayeredApp {
        case,
        service: RefCell::new(tollgate::http::CorsLayer::new(policy).layer(app())),
    }
}

/// The peer, for `case`: the same methods, headers and max-age, and an origin predicate
/// admitting the ten origins on the listed routes only (tower-http has no route list).
pub fn tower_http_cors(case: CorsCase) -> TowerHttpCors {
    let allowed: Vec<HeaderValue> = origins()
        .iter()
        .map(|origin| HeaderValue::from_str(origin).expect("a valid header value"))
        .collect();
    let predicate = move |origin: &HeaderValue, parts: &http::request::Parts| {
        allowed.contains(origin) && ROUTES.iter().any(|route| under(parts.uri.path(), route))
    };
    let layer = tower_http::cors::CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(predicate))
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    LayeredApp {
        case,
        service: RefCell::new(layer.layer(app())),
    }
}

/// Whether `path` is `prefix` or below it, by whole segments.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The floor under both layers: take the request, hand back an empty response carrying the
/// same headers as tower-http's answer, cloned from values built beforehand. No decision is
/// made; this is what any tower CORS layer pays at least.
pub struct ResponseFloor {
    case: CorsCase,
    headers: http::HeaderMap,
}

impl ResponseFloor {
    /// The floor for `case`, its headers taken from tower-http's answer.
    pub fn new(case: CorsCase) -> Self {
        let peer = tower_http_cors(case);
        let headers = peer.run(peer.input(0)).headers().clone();
        Self { case, headers }
    }
}

impl Workload for ResponseFloor {
    type Input = Request<()>;
    type Output = Response<String>;

    fn input(&self, _: usize) -> Request<()> {
        self.case.request()
    }

    fn run(&self, request: Request<()>) -> Response<String> {
        drop(request);
        let mut response = Response::new(String::new());
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        response
    }
}

/// The CORS headers of a response, sorted, `vary` aside (see `benches/README.md`).
fn cors_headers(response: &Response<String>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "vary")
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("<opaque>");
            (name.as_str().to_owned(), value.replace(", ", ","))
        })
        .collect();
    headers.sort();
    headers
}

/// Both layers answer the request with the same CORS headers.
pub fn check_cors(ours: &TollgateCors, peer: &TowerHttpCors) -> Result<(), String> {
    let (ours, peer) = (ours.run(ours.input(0)), peer.run(peer.input(0)));
    same("CORS headers", cors_headers(&ours), cors_headers(&peer))?;
    if cors_headers(&ours).is_empty() {
        return Err("CORS request not allowed".to_owned());
    }
    Ok(())
}

/// The listed prefixes of a route table of `size` routes: `/v1/resource0`, `/v1/resource1`...
fn prefixes(size: usize) -> impl Iterator<Item = String> {
    (0..size).map(|n| format!("/v1/resource{n}"))
}

/// Request paths alternating a hit (below a listed prefix) and a miss (below none), spread
/// over the table.
fn paths(size: usize) -> Vec<String> {
    (0..super::DISTINCT_INPUTS)
        .map(|index| {
            let n = index.wrapping_mul(7919) % size;
            match index % 2 {
                0 => format!("/v1/resource{n}/items/42"),
                _ => format!("/v1/unlisted{n}/items/42"),
            }
        })
        .collect()
}

/// Ours: `RouteSet::matches`, a segment trie in one hash table.
pub struct RouteLookup {
    routes: RouteSet,
    paths: Vec<String>,
}

impl RouteLookup {
    /// `size` listed prefixes and paths to look up among them.
    pub fn new(size: usize) -> Self {
        let prefixes = prefixes(size).map(|text| RoutePrefix::parse(&text).expect("valid prefix"));
        Self {
            routes: RouteSet::from_prefixes(prefixes, RouteCase::Sensitive),
            paths: paths(size),
        }
    }
}

impl Workload for RouteLookup {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration % self.paths.len()
    }

    fn run(&self, index: usize) -> bool {
        self.routes.matches(&self.paths[index])
    }
}

/// The peer: a `matchit` router holding each prefix as `/prefix` and `/prefix/{*rest}`.
pub struct MatchitLookup {
    router: matchit::Router<usize>,
    paths: Vec<String>,
}

impl MatchitLookup {
    /// The same `size` prefixes as [`RouteLookup::new`], as matchit routes.
    pub fn new(size: usize) -> Self {
        let mut router = matchit::Router::new();
        for (n, prefix) in prefixes(size).enumerate() {
            router.insert(prefix.clone(), n).expect("no conflict");
            router
                .insert(format!("{prefix}/{{*rest}}"), n)
                .expect("no conflict");
        }
        Self {
            router,
            paths: paths(size),
        }
    }
}

impl Workload for MatchitLookup {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration % self.paths.len()
    }

    fn run(&self, index: usize) -> bool {
        self.router.at(&self.paths[index]).is_ok()
    }
}

/// Both match the same paths.
pub fn check_routes(ours: &RouteLookup, peer: &MatchitLookup) -> Result<(), String> {
    for index in 0..ours.paths.len() {
        same(&ours.paths[index], ours.run(index), peer.run(index))?;
    }
    Ok(())
}
