//! A JSON array read element by element with a cap on their number, each element checked as
//! soon as it is read: the work and memory spent on a document are bounded by the cap, not by
//! how many elements the document holds.

use core::fmt;
use core::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, SeqAccess, Visitor};

/// Reads a JSON array of at most `max` elements, each read as `Raw` and turned into `Out` by
/// `convert` (given the element's index). The first refusal, a conversion's or
/// `too_many`'s, is left in `failure` and the deserializer is stopped with a placeholder
/// error, which the caller replaces with the refusal.
pub(crate) struct BoundedArray<'f, Raw, Out, E, F> {
    pub(crate) max: usize,
    pub(crate) too_many: E,
    pub(crate) convert: F,
    pub(crate) failure: &'f mut Option<E>,
    pub(crate) elements: PhantomData<fn(Raw) -> Out>,
}

impl<'de, Raw, Out, E, F> DeserializeSeed<'de> for BoundedArray<'_, Raw, Out, E, F>
where
    Raw: Deserialize<'de>,
    F: FnMut(usize, Raw) -> Result<Out, E>,
{
    type Value = Vec<Out>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Out>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, Raw, Out, E, F> Visitor<'de> for BoundedArray<'_, Raw, Out, E, F>
where
    Raw: Deserialize<'de>,
    F: FnMut(usize, Raw) -> Result<Out, E>,
{
    type Value = Vec<Out>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of at most {} elements", self.max)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Vec<Out>, A::Error> {
        // The capacity is not taken from the document's hint: it could claim any length.
        let mut out = Vec::new();
        loop {
            let index = out.len();
            if index == self.max {
                // One more element, skipped without keeping it, is one too many.
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    *self.failure = Some(self.too_many);
                    return Err(de::Error::custom("too many elements"));
                }
                return Ok(out);
            }
            let Some(raw) = seq.next_element::<Raw>()? else {
                return Ok(out);
            };
            match (self.convert)(index, raw) {
                Ok(element) => out.push(element),
                Err(refusal) => {
                    *self.failure = Some(refusal);
                    return Err(de::Error::custom("element refused"));
                }
            }
        }
    }
}
