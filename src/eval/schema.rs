//! Schemas: which fields of an argument struct are attributes, blocks, enums or the label.
//!
//! Serde tells a deserializer a struct's field names but not what they are in River, so every
//! struct decoded from a body declares a [`Schema`] through [`RiverSchema`], normally with
//! the [`river_schema!`](crate::river_schema) macro:
//!
//! ```text
//! river_schema!(Type {
//!     attr name,                 // required attribute
//!     attr? name,                // optional attribute (needs #[serde(default)] or Option)
//!     block name: Inner,         // required block, decoded into Inner
//!     block? name: Inner,        // optional block (Option<Inner> or #[serde(default)])
//!     blocks name: Inner,        // repeated block, Vec<Inner> in source order
//!     block[3] name: Inner,      // block that must appear exactly 3 times
//!     enum name { a: A, b: B },  // blocks name.a / name.b, one Vec of an enum in source order
//!     label name,                // the block's label (required and non-empty)
//! });
//! ```
//!
//! Names may be string literals for dotted block names: `block "child.block": Inner`.
//! A block whose contents is a map (attributes only) uses a map type as `Inner`
//! (`BTreeMap<String, T>`, `HashMap<String, T>` or [`Value`](super::Value)), whose schema is
//! [`Schema::Map`].

/// How many times a block may appear.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Multiplicity {
    /// At most once.
    One,
    /// Any number of times, collected in order.
    List,
    /// Exactly this many times.
    Exactly(usize),
}

/// One member of an enum block group: blocks named `<enum>.<name>`.
#[derive(Copy, Clone, Debug)]
pub struct EnumMember {
    /// The suffix after the enum's name; also the serde variant name.
    pub name: &'static str,
    /// The member block's schema.
    pub schema: fn() -> &'static Schema,
}

/// What a field is.
#[derive(Copy, Clone, Debug)]
pub enum FieldKind {
    /// An attribute `name = value`.
    Attr,
    /// A block `name { … }`.
    Block {
        /// The block's contents.
        schema: fn() -> &'static Schema,
        /// How often it may appear.
        multiplicity: Multiplicity,
    },
    /// A group of alternative blocks `name.member { … }` collected into one ordered list.
    Enum {
        /// The members.
        members: &'static [EnumMember],
    },
    /// The enclosing block's label.
    Label,
}

/// One field of a struct schema.
#[derive(Copy, Clone, Debug)]
pub struct FieldSpec {
    /// River name, possibly dotted for blocks; also the serde field name.
    pub name: &'static str,
    /// What the field is.
    pub kind: FieldKind,
    /// Whether it may be left out.
    pub optional: bool,
}

impl FieldSpec {
    /// An attribute.
    pub const fn attr(name: &'static str, optional: bool) -> FieldSpec {
        FieldSpec {
            name,
            kind: FieldKind::Attr,
            optional,
        }
    }

    /// A block.
    pub const fn block(
        name: &'static str,
        schema: fn() -> &'static Schema,
        multiplicity: Multiplicity,
        optional: bool,
    ) -> FieldSpec {
        FieldSpec {
            name,
            kind: FieldKind::Block {
                schema,
                multiplicity,
            },
            optional,
        }
    }

    /// An enum block group (always optional).
    pub const fn enumeration(name: &'static str, members: &'static [EnumMember]) -> FieldSpec {
        FieldSpec {
            name,
            kind: FieldKind::Enum { members },
            optional: true,
        }
    }

    /// The label field.
    pub const fn label(name: &'static str) -> FieldSpec {
        FieldSpec {
            name,
            kind: FieldKind::Label,
            optional: false,
        }
    }
}

/// The shape of a body.
#[derive(Debug)]
pub enum Schema {
    /// A struct with these fields.
    Struct(&'static [FieldSpec]),
    /// A map: attributes only, any names, no nested blocks, no label.
    Map,
}

impl Schema {
    /// The field with River name `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        match self {
            Schema::Struct(fields) => fields.iter().find(|f| f.name == name),
            Schema::Map => None,
        }
    }

    /// The label field, if the struct takes a label.
    pub fn label_field(&self) -> Option<&'static FieldSpec> {
        match self {
            Schema::Struct(fields) => fields.iter().find(|f| matches!(f.kind, FieldKind::Label)),
            Schema::Map => None,
        }
    }

    /// The fields (empty for maps).
    pub fn fields(&self) -> &'static [FieldSpec] {
        match self {
            Schema::Struct(fields) => fields,
            Schema::Map => &[],
        }
    }

    /// For a block named `full_name`, the enum field and member it belongs to.
    pub fn enum_member(
        &self,
        full_name: &str,
    ) -> Option<(&'static FieldSpec, &'static EnumMember)> {
        for f in self.fields() {
            if let FieldKind::Enum { members } = &f.kind {
                if let Some(rest) = full_name
                    .strip_prefix(f.name)
                    .and_then(|r| r.strip_prefix('.'))
                {
                    if let Some(m) = members.iter().find(|m| m.name == rest) {
                        return Some((f, m));
                    }
                }
            }
        }
        None
    }
}

/// The map schema, for `block name: map`-style fields.
pub fn map_schema() -> &'static Schema {
    static MAP: Schema = Schema::Map;
    &MAP
}

/// A type decoded from a River body declares its schema.
pub trait RiverSchema {
    /// The schema.
    fn schema() -> &'static Schema;
}

impl<V> RiverSchema for std::collections::BTreeMap<String, V> {
    fn schema() -> &'static Schema {
        map_schema()
    }
}

impl<V, S> RiverSchema for std::collections::HashMap<String, V, S> {
    fn schema() -> &'static Schema {
        map_schema()
    }
}

impl RiverSchema for super::Value {
    fn schema() -> &'static Schema {
        map_schema()
    }
}

impl<T: RiverSchema> RiverSchema for Option<T> {
    fn schema() -> &'static Schema {
        T::schema()
    }
}

impl<T: RiverSchema> RiverSchema for Box<T> {
    fn schema() -> &'static Schema {
        T::schema()
    }
}

/// Implements [`RiverSchema`] for a struct; see the [module documentation](self).
#[macro_export]
macro_rules! river_schema {
    ($ty:ty { $($body:tt)* }) => {
        impl $crate::eval::schema::RiverSchema for $ty {
            fn schema() -> &'static $crate::eval::schema::Schema {
                static SCHEMA: $crate::eval::schema::Schema =
                    $crate::eval::schema::Schema::Struct(&$crate::__river_fields!([] $($body)*));
                &SCHEMA
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __river_name {
    ($name:ident) => {
        stringify!($name)
    };
    ($name:literal) => {
        $name
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __river_fields {
    ([$($out:expr,)*]) => { [$($out,)*] };
    ([$($out:expr,)*] , $($rest:tt)*) => { $crate::__river_fields!([$($out,)*] $($rest)*) };
    ([$($out:expr,)*] attr ? $name:tt $($rest:tt)*) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::attr($crate::__river_name!($name), true),] $($rest)*)
    };
    ([$($out:expr,)*] attr $name:tt $($rest:tt)*) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::attr($crate::__river_name!($name), false),] $($rest)*)
    };
    ([$($out:expr,)*] label $name:tt $($rest:tt)*) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::label($crate::__river_name!($name)),] $($rest)*)
    };
    ([$($out:expr,)*] block ? $name:tt : $t:ty $(, $($rest:tt)*)?) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::block(
            $crate::__river_name!($name),
            <$t as $crate::eval::schema::RiverSchema>::schema,
            $crate::eval::schema::Multiplicity::One,
            true,
        ),] $($($rest)*)?)
    };
    ([$($out:expr,)*] block [ $n:expr ] $name:tt : $t:ty $(, $($rest:tt)*)?) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::block(
            $crate::__river_name!($name),
            <$t as $crate::eval::schema::RiverSchema>::schema,
            $crate::eval::schema::Multiplicity::Exactly($n),
            false,
        ),] $($($rest)*)?)
    };
    ([$($out:expr,)*] block $name:tt : $t:ty $(, $($rest:tt)*)?) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::block(
            $crate::__river_name!($name),
            <$t as $crate::eval::schema::RiverSchema>::schema,
            $crate::eval::schema::Multiplicity::One,
            false,
        ),] $($($rest)*)?)
    };
    ([$($out:expr,)*] blocks ! $name:tt : $t:ty $(, $($rest:tt)*)?) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::block(
            $crate::__river_name!($name),
            <$t as $crate::eval::schema::RiverSchema>::schema,
            $crate::eval::schema::Multiplicity::List,
            false,
        ),] $($($rest)*)?)
    };
    ([$($out:expr,)*] blocks $name:tt : $t:ty $(, $($rest:tt)*)?) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::block(
            $crate::__river_name!($name),
            <$t as $crate::eval::schema::RiverSchema>::schema,
            $crate::eval::schema::Multiplicity::List,
            true,
        ),] $($($rest)*)?)
    };
    ([$($out:expr,)*] enum $name:tt { $($m:ident : $mt:ty),* $(,)? } $($rest:tt)*) => {
        $crate::__river_fields!([$($out,)* $crate::eval::schema::FieldSpec::enumeration(
            $crate::__river_name!($name),
            &[$($crate::eval::schema::EnumMember {
                name: stringify!($m),
                schema: <$mt as $crate::eval::schema::RiverSchema>::schema,
            }),*],
        ),] $($rest)*)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inner;
    crate::river_schema!(Inner { attr a, attr? b });
    struct Outer;
    crate::river_schema!(Outer {
        label name,
        attr x,
        block? inner: Inner,
        blocks rule: Inner,
        block[2] "two.blocks": Inner,
        blocks! must: Inner,
        enum stage { regex: Inner, json: Inner },
        block settings: std::collections::BTreeMap<String, i64>,
    });

    #[test]
    fn macro_builds_schema() {
        let s = Outer::schema();
        assert_eq!(s.fields().len(), 8);
        assert!(s.label_field().is_some());
        let f = s.field("two.blocks").unwrap();
        assert!(matches!(
            f.kind,
            FieldKind::Block {
                multiplicity: Multiplicity::Exactly(2),
                ..
            }
        ));
        assert!(s.field("rule").unwrap().optional);
        assert!(!s.field("must").unwrap().optional);
        let (e, m) = s.enum_member("stage.json").unwrap();
        assert_eq!((e.name, m.name), ("stage", "json"));
        assert!(s.enum_member("stage.xml").is_none());
        let FieldKind::Block { schema, .. } = s.field("settings").unwrap().kind else {
            panic!()
        };
        assert!(matches!(schema(), Schema::Map));
        assert_eq!(Inner::schema().fields().len(), 2);
    }
}
