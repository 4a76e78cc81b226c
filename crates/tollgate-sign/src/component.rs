//! Component identifiers (RFC 9421 section 2) and their values: the lines of a signature base.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use sfv::{
    BareItem, Dictionary, FieldType, Item, ItemSerializer, List, ListEntry, ListSerializer, Parser,
};

use crate::Request;
use crate::fields::{join, joined_lines};

/// Why a signature base cannot be built from the covered components.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseError {
    /// A covered component is not a string with parameters, or its name or a parameter is
    /// one this crate does not know (such as `@status` in a request, or `tr`).
    #[error("component {0} is not supported")]
    Unsupported(String),
    /// A component is covered twice.
    #[error("component {0} is covered twice")]
    Duplicate(String),
    /// A covered header field, dictionary member or query parameter is absent from the
    /// request (or a query parameter occurs more than once, which RFC 9421 forbids signing).
    #[error("component {0} is not in the request, or not once")]
    Absent(String),
    /// A field covered with `sf` or `key` is not a structured field, or a field's value is
    /// not text.
    #[error("component {0} does not hold a valid value")]
    InvalidValue(String),
    /// The signature covers more than [`MAX_COVERED_COMPONENTS`] components.
    #[error("a signature covers at most {MAX_COVERED_COMPONENTS} components")]
    TooManyComponents,
}

/// The most components one signature may cover: every request component and a score of
/// fields, and a bound on the work a signature base takes.
pub const MAX_COVERED_COMPONENTS: usize = 32;

/// What building one signature base has parsed already: each field read as a dictionary,
/// and the query's parameters, at most once however many components name them.
#[derive(Default)]
struct Parsed {
    dictionaries: Vec<(String, Option<Dictionary>)>,
    query: Option<Vec<(String, String)>>,
}

impl Parsed {
    /// The field `name` of `headers` as a dictionary, its lines joined and parsed on first use.
    fn dictionary(&mut self, name: &str, headers: &HeaderMap) -> Option<&Dictionary> {
        let index = match self
            .dictionaries
            .iter()
            .position(|(parsed, _)| parsed == name)
        {
            Some(index) => index,
            None => {
                let parsed = Parser::new(&joined_lines(headers, name)).parse().ok();
                self.dictionaries.push((name.to_owned(), parsed));
                self.dictionaries.len() - 1
            }
        };
        self.dictionaries[index].1.as_ref()
    }

    /// The query's parameters, each name and value encoded as RFC 9421 section 2.2.8 asks.
    fn query(&mut self, query: &str) -> &[(String, String)] {
        self.query.get_or_insert_with(|| {
            form_urlencoded::parse(query.as_bytes())
                .map(|(name, value)| (form_encode(name.as_bytes()), form_encode(value.as_bytes())))
                .collect()
        })
    }
}

/// A component identifier: a derived component or a header field, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Component {
    Method,
    TargetUri,
    Authority,
    Scheme,
    RequestTarget,
    Path,
    Query,
    /// `@query-param;name=...`, the name as encoded in the identifier.
    QueryParam(String),
    Field {
        name: String,
        form: FieldForm,
    },
}

/// How a header field's value is written (RFC 9421 section 2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldForm {
    /// The field lines, trimmed and joined with `, `.
    Plain,
    /// `sf`: re-serialised as a structured field (a dictionary, or else a list).
    Strict,
    /// `key="..."`: one member of a dictionary field.
    Member(String),
    /// `bs`: each field line wrapped as a byte sequence.
    Binary,
}

impl Component {
    fn parse(item: &Item) -> Result<Self, BaseError> {
        let unsupported = || BaseError::Unsupported(item.serialize());
        let BareItem::String(name) = &item.bare_item else {
            return Err(unsupported());
        };
        let name = name.as_str();
        let mut params = item.params.iter().map(|(key, value)| (key.as_str(), value));
        if name == "@query-param" {
            return match (params.next(), params.next()) {
                (Some(("name", BareItem::String(encoded))), None) => {
                    Ok(Self::QueryParam(encoded.as_str().to_owned()))
                }
                _ => Err(unsupported()),
            };
        }
        if let Some(derived) = name.strip_prefix('@') {
            if !item.params.is_empty() {
                return Err(unsupported());
            }
            return match derived {
                "method" => Ok(Self::Method),
                "target-uri" => Ok(Self::TargetUri),
                "authority" => Ok(Self::Authority),
                "scheme" => Ok(Self::Scheme),
                "request-target" => Ok(Self::RequestTarget),
                "path" => Ok(Self::Path),
                "query" => Ok(Self::Query),
                _ => Err(unsupported()),
            };
        }
        let is_field_name = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            });
        if !is_field_name {
            return Err(unsupported());
        }
        let form = match (params.next(), params.next()) {
            (None, _) => FieldForm::Plain,
            (Some(("sf", BareItem::Boolean(true))), None) => FieldForm::Strict,
            (Some(("bs", BareItem::Boolean(true))), None) => FieldForm::Binary,
            (Some(("key", BareItem::String(key))), None) => {
                FieldForm::Member(key.as_str().to_owned())
            }
            // `req` and `tr` (responses and trailers), combinations, and unknown parameters.
            _ => return Err(unsupported()),
        };
        Ok(Self::Field {
            name: name.to_owned(),
            form,
        })
    }

    /// Appends this component's value for `request` to `out`.
    fn write_value(
        &self,
        item: &Item,
        request: &Request<'_>,
        headers: &HeaderMap,
        parsed: &mut Parsed,
        out: &mut Vec<u8>,
    ) -> Result<(), BaseError> {
        match self {
            Self::Method => out.extend_from_slice(request.method.as_bytes()),
            // The URI as the request names it: unlike `@authority`, not normalised (RFC 9421
            // section 2.2.2 reconstructs it; independent implementations write it as given).
            Self::TargetUri => {
                out.extend_from_slice(request.scheme.as_bytes());
                out.extend_from_slice(b"://");
                out.extend_from_slice(request.authority.as_bytes());
                out.extend_from_slice(request.request_target().as_bytes());
            }
            Self::Authority => out.extend_from_slice(request.authority().as_bytes()),
            Self::Scheme => out.extend_from_slice(request.scheme().as_bytes()),
            Self::RequestTarget => out.extend_from_slice(request.request_target().as_bytes()),
            Self::Path => out.extend_from_slice(request.path().as_bytes()),
            Self::Query => {
                out.push(b'?');
                out.extend_from_slice(request.query().unwrap_or_default().as_bytes());
            }
            Self::QueryParam(encoded_name) => {
                let query = parsed.query(request.query().unwrap_or_default());
                let mut values = query.iter().filter(|(name, _)| name == encoded_name);
                match (values.next(), values.next()) {
                    (Some((_, value)), None) => out.extend_from_slice(value.as_bytes()),
                    _ => return Err(BaseError::Absent(item.serialize())),
                }
            }
            Self::Field { name, form } => {
                let lines = headers.get_all(name.as_str());
                if lines.iter().next().is_none() {
                    return Err(BaseError::Absent(item.serialize()));
                }
                let trimmed = lines.iter().map(|line| line.as_bytes().trim_ascii());
                match form {
                    FieldForm::Plain => join(out, trimmed, |out, line| out.extend_from_slice(line)),
                    FieldForm::Binary => join(out, trimmed, |out, line| {
                        out.push(b':');
                        out.extend_from_slice(STANDARD.encode(line).as_bytes());
                        out.push(b':');
                    }),
                    FieldForm::Strict | FieldForm::Member(_) => {
                        let text = structured_value(item, name, form, headers, parsed)?;
                        out.extend_from_slice(text.as_bytes());
                    }
                }
            }
        }
        Ok(())
    }
}

/// The value of the field `name` covered with `sf` or `key` (`form`): the field re-serialised
/// (a dictionary, or else a list), or its member. Serialising an empty one gives nothing.
fn structured_value(
    item: &Item,
    name: &str,
    form: &FieldForm,
    headers: &HeaderMap,
    parsed: &mut Parsed,
) -> Result<String, BaseError> {
    let invalid = || BaseError::InvalidValue(item.serialize());
    if let FieldForm::Member(key) = form {
        let dictionary = parsed.dictionary(name, headers).ok_or_else(invalid)?;
        return match dictionary.get(key.as_str()) {
            Some(ListEntry::Item(member)) => Ok(member.serialize()),
            Some(ListEntry::InnerList(member)) => Ok(serialize_inner_list(member)),
            None => Err(BaseError::Absent(item.serialize())),
        };
    }
    let text = match parsed.dictionary(name, headers) {
        Some(dictionary) => dictionary.serialize(),
        None => Parser::new(&joined_lines(headers, name))
            .parse::<List>()
            .map_err(|_| invalid())?
            .serialize(),
    };
    Ok(text.unwrap_or_default())
}

/// An inner list with its parameters, as RFC 8941 serialises it: `("a" "b");p=1`.
fn serialize_inner_list(list: &sfv::InnerList) -> String {
    let mut text = String::new();
    let mut serializer = ListSerializer::with_buffer(&mut text);
    let mut inner = serializer.inner_list();
    inner.items(&list.items);
    inner.finish().parameters(&list.params);
    text
}

/// A query parameter's name or value encoded as RFC 9421 section 2.2.8 asks: the
/// `application/x-www-form-urlencoded` byte serialisation, with a space as `%20` (as in the
/// RFC's example), not `+`. The serialiser writes `+` only for a space.
fn form_encode(bytes: &[u8]) -> String {
    form_urlencoded::byte_serialize(bytes)
        .collect::<String>()
        .replace('+', "%20")
}

/// Builds the signature base (RFC 9421 section 2.5) of `request` for the covered components
/// and parameters in `signature_params`: one line per component, then `@signature-params`.
pub(crate) fn signature_base(
    request: &Request<'_>,
    headers: &HeaderMap,
    signature_params: &sfv::InnerList,
) -> Result<Vec<u8>, BaseError> {
    if signature_params.items.len() > MAX_COVERED_COMPONENTS {
        return Err(BaseError::TooManyComponents);
    }
    let mut base = Vec::with_capacity(256);
    let mut seen = Vec::with_capacity(signature_params.items.len());
    let mut parsed = Parsed::default();
    // Every identifier is serialised here, one buffer for all of them.
    let mut text = String::new();
    for item in &signature_params.items {
        let component = Component::parse(item)?;
        if seen.contains(&component) {
            return Err(BaseError::Duplicate(item.serialize()));
        }
        text.clear();
        ItemSerializer::with_buffer(&mut text)
            .bare_item(&item.bare_item)
            .parameters(&item.params);
        base.extend_from_slice(text.as_bytes());
        base.extend_from_slice(b": ");
        component.write_value(item, request, headers, &mut parsed, &mut base)?;
        base.push(b'\n');
        seen.push(component);
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(serialize_inner_list(signature_params).as_bytes());
    Ok(base)
}
