//! Validators and shape matchers, one module per family of data types. They look at bytes only;
//! the engine combines them with field context.

pub(crate) mod checksum;
pub(crate) mod dates;
pub(crate) mod email;
pub(crate) mod financial;
pub(crate) mod gps;
pub(crate) mod jwt;
pub(crate) mod names;
pub(crate) mod national_id;
pub(crate) mod network;
pub(crate) mod numbering_plan;
pub(crate) mod phone;
pub(crate) mod server_address;
