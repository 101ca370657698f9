//! Validated JSON text, kept as text so it is never parsed twice on the hot path.

use std::fmt;

/// A string that holds one valid JSON value (object, array, string, number, bool or null).
///
/// Messages with data type `json` carry a JSON value. Keeping it as validated text lets the
/// client embed it in a frame, and hand it to C callers, without building a tree.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsonText(Box<str>);

/// The text given to [`JsonText::parse`] is not valid JSON.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid JSON: {0}")]
pub struct JsonTextError(String);

impl JsonText {
    /// Validates `text` as one JSON value. Surrounding whitespace is kept as given.
    pub fn parse(text: impl Into<String>) -> Result<Self, JsonTextError> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| JsonTextError(e.to_string()))?;
        Ok(JsonText(text.into_boxed_str()))
    }

    /// Serializes a value to JSON text.
    pub fn from_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, JsonTextError> {
        serde_json::to_string(value).map(|s| JsonText(s.into_boxed_str())).map_err(|e| JsonTextError(e.to_string()))
    }

    /// Wraps text that the caller already knows to be valid JSON (it came out of a parser).
    pub(crate) fn from_trusted(text: &str) -> Self {
        JsonText(text.into())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Deserializes the JSON into a value of type `T`.
    pub fn to_value<T: serde::de::DeserializeOwned>(&self) -> Result<T, JsonTextError> {
        serde_json::from_str(&self.0).map_err(|e| JsonTextError(e.to_string()))
    }
}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> Self {
        JsonText(value.to_string().into_boxed_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_json_kind() {
        for text in ["{\"a\":1}", "[1,2]", "\"s\"", "1.5", "true", "null", " 3 "] {
            assert_eq!(JsonText::parse(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn rejects_invalid_json() {
        for text in ["", "{", "{a:1}", "1 2", "[1,]"] {
            assert!(JsonText::parse(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn converts_values_both_ways() {
        let json = JsonText::from_value(&serde_json::json!({"x": [1, "two"]})).unwrap();
        assert_eq!(json.as_str(), r#"{"x":[1,"two"]}"#);
        let back: serde_json::Value = json.to_value().unwrap();
        assert_eq!(back["x"][1], "two");
    }
}
