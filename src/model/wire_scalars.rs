//! The scalar shapes of `wire.rs`: text read whatever its YAML type, strings the API types as
//! strings (refused, as kubectl refuses them, when YAML reads them as another type), values that
//! may be secret, IntOrString, and `null` read as absent.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Treats an explicit `null` like an absent field.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A scalar read as text, whatever its YAML type (`version: 1.0`, `cpu: 2`, `enabled: true`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(String::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value the API types as a string: names, labels, annotations, selector values. YAML reads
/// an unquoted `true`, `yes`, `y`, `on`, `12` or `1.5` as another type (kubectl's parser
/// follows YAML 1.1, where `y` and `on` are booleans too), and kubectl then refuses the whole
/// object ("cannot unmarshal bool into Go struct field ... of type string"). kvet refuses it
/// the same way, with the fix.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Str(pub String);

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn quote<E: de::Error>(what: String) -> E {
            E::custom(format!(
                "unquoted, this value is {what}, and the API wants a string here: kubectl refuses the object; quote the value"
            ))
        }
        impl<'de> Visitor<'de> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str, E> {
                Ok(Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str, E> {
                Ok(Str(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Str, E> {
                Err(quote(format!("the number {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Str, E> {
                Err(quote(format!("the number {v}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Str, E> {
                Err(quote(format!("the number {v}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Str, E> {
                Err(quote(format!(
                    "the boolean {v} to kubectl's YAML parser (so are yes/no, y/n and on/off)"
                )))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Str, E> {
                Ok(Str(String::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Str, E> {
                Ok(Str(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string value that may be a secret (`env[].value`, ConfigMap and Secret `data`): refused,
/// like [`Str`], when YAML reads it as a boolean or a number, but the error never repeats it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SecretStr(pub usize);

impl<'de> Deserialize<'de> for SecretStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn quote<E: de::Error>(what: &str) -> E {
            E::custom(format!(
                "unquoted, this value is {what}, and the API wants a string here: kubectl refuses the object; quote the value"
            ))
        }
        impl<'de> Visitor<'de> for V {
            type Value = SecretStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretStr, E> {
                Ok(SecretStr(v.len()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretStr, E> {
                Err(quote("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretStr, E> {
                Err(quote("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretStr, E> {
                Err(quote("a number"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretStr, E> {
                Err(quote(
                    "a boolean to kubectl's YAML parser (so are yes/no, y/n and on/off)",
                ))
            }
            fn visit_unit<E: de::Error>(self) -> Result<SecretStr, E> {
                Ok(SecretStr(0))
            }
            fn visit_none<E: de::Error>(self) -> Result<SecretStr, E> {
                Ok(SecretStr(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `env` entry: only whether its value is a string is checked.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawEnvVar {
    pub value: Option<SecretStr>,
}

impl From<Str> for String {
    fn from(s: Str) -> String {
        s.0
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

/// Labels, annotations and selectors: string to string.
pub type StrMap = BTreeMap<String, Str>;

/// `IntOrString` as it appears in manifests.
#[derive(Debug, Clone, PartialEq)]
pub enum IntOrStr {
    Int(i64),
    Str(String),
}

impl<'de> Deserialize<'de> for IntOrStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrStr, E> {
                Ok(IntOrStr::Str(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrStr, E> {
                Ok(IntOrStr::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrStr, E> {
                i64::try_from(v)
                    .map(IntOrStr::Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrStr, E> {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    Ok(IntOrStr::Int(v as i64))
                } else {
                    Err(E::custom(format!("expected an integer, found {v}")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

pub type TextMap = BTreeMap<String, Text>;
