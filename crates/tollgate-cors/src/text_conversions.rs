//! The standard conversions of a type validated from text, written once.

/// Implements `FromStr`, `TryFrom<&str>` and `TryFrom<String>` through `$type::parse`, and,
/// with `as_str`, `Display`, `AsRef<str>` and `From<$type> for String` through `as_str`.
macro_rules! text_conversions {
    ($type:ty, $error:ty) => {
        impl ::std::str::FromStr for $type {
            type Err = $error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl TryFrom<&str> for $type {
            type Error = $error;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                Self::parse(text)
            }
        }

        impl TryFrom<String> for $type {
            type Error = $error;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }
    };
    ($type:ty, $error:ty, as_str) => {
        $crate::text_conversions::text_conversions!($type, $error);

        impl ::std::fmt::Display for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $type {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.as_str().to_owned()
            }
        }
    };
}

pub(crate) use text_conversions;
