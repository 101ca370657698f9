//! Message payloads and their data types.

use super::JsonText;

/// The data type of a message payload, as named on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// A UTF-8 string.
    Text,
    /// Any JSON value.
    Json,
    /// Raw bytes (base64 on the JSON wire).
    Binary,
    /// A serialized `google.protobuf.Any` (base64 on the JSON wire).
    Protobuf,
}

impl DataType {
    /// The lower-case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Json => "json",
            DataType::Binary => "binary",
            DataType::Protobuf => "protobuf",
        }
    }

    /// Parses a wire name case-insensitively (the .NET client sends `Text`, `Json`, ...).
    pub fn parse(name: &str) -> Option<Self> {
        [DataType::Text, DataType::Json, DataType::Binary, DataType::Protobuf]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message payload together with its data type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// Text (`dataType: text`).
    Text(String),
    /// A JSON value (`dataType: json`).
    Json(JsonText),
    /// Bytes (`dataType: binary`).
    Binary(Vec<u8>),
    /// A serialized `google.protobuf.Any` (`dataType: protobuf`).
    Protobuf(Vec<u8>),
}

impl Data {
    /// Text data.
    pub fn text(text: impl Into<String>) -> Self {
        Data::Text(text.into())
    }

    /// Binary data.
    pub fn binary(bytes: impl Into<Vec<u8>>) -> Self {
        Data::Binary(bytes.into())
    }

    /// JSON data serialized from `value`.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, super::JsonTextError> {
        JsonText::from_value(value).map(Data::Json)
    }

    /// The data type of this payload.
    pub fn data_type(&self) -> DataType {
        match self {
            Data::Text(_) => DataType::Text,
            Data::Json(_) => DataType::Json,
            Data::Binary(_) => DataType::Binary,
            Data::Protobuf(_) => DataType::Protobuf,
        }
    }

    /// The payload's bytes: UTF-8 for text and JSON, raw bytes otherwise.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Data::Text(s) => s.as_bytes(),
            Data::Json(j) => j.as_str().as_bytes(),
            Data::Binary(b) | Data::Protobuf(b) => b,
        }
    }
}

impl From<&str> for Data {
    fn from(text: &str) -> Self {
        Data::Text(text.to_owned())
    }
}

impl From<String> for Data {
    fn from(text: String) -> Self {
        Data::Text(text)
    }
}

impl From<Vec<u8>> for Data {
    fn from(bytes: Vec<u8>) -> Self {
        Data::Binary(bytes)
    }
}

impl From<JsonText> for Data {
    fn from(json: JsonText) -> Self {
        Data::Json(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_type_names_parse_case_insensitively() {
        assert_eq!(DataType::parse("Text"), Some(DataType::Text));
        assert_eq!(DataType::parse("JSON"), Some(DataType::Json));
        assert_eq!(DataType::parse("binary"), Some(DataType::Binary));
        assert_eq!(DataType::parse("ProtoBuf"), Some(DataType::Protobuf));
        assert_eq!(DataType::parse("xml"), None);
    }
}
