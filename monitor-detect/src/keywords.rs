//! Field-name vocabulary: what a JSON key, form field, header, CSV/SQL column or XML tag says
//! about its value. Names are split into lowercase words (`camelCase`, `snake_case`, `kebab-case`,
//! dotted) so that `ContactPhone`, `contact_phone` and `contact-phone` read the same. Word lists
//! cover English plus the main EU languages.

/// What a field name says about its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    FullName,
    FirstName,
    LastName,
    DateOfBirth,
    Address,
    Phone,
    NationalId,
    Passport,
    Latitude,
    Longitude,
    Coordinates,
    Email,
    Ip,
    Mac,
    Imei,
    Iban,
    Card,
    /// Version, firmware, build: dotted numbers here are not addresses.
    Version,
    /// Host, server, relay: the called service, not a person's device.
    Server,
    /// A name, but of a thing (company, product, host, user account).
    ThingName,
    /// Sensor axes and readings: floats here are not coordinates.
    Sensor,
    /// A non-birth date (`created_at`, `valid_until`).
    OtherDate,
    /// Identifiers of business objects (`order_id`, `invoice_no`).
    BusinessId,
    Other,
}

/// Separators that join the words of one compound field name (`date_of_birth`,
/// `e-mail`, `user.name`, `first name`).
pub(crate) const fn joins_words(c: char) -> bool {
    matches!(c, '_' | '-' | '.' | ' ')
}

/// Splits a field name into lowercase words. At most 8 words of 32 bytes are kept.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
        if out.len() >= 8 {
            break;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.truncate(8);
    out
}

fn any_word(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| list.contains(&w.as_str()))
}

fn any_prefix(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| list.iter().any(|p| w.starts_with(p)))
}

const PASSPORT_WORDS: &[&str] = &[
    "passport",
    "passeport",
    "reisepass",
    "pasaporte",
    "passaporto",
    "paspoort",
];

/// Words that, unless a place is named too, make a field a birth date.
const BIRTH_WORDS: &[&str] = &["birth", "geburt", "geboorte", "nascimento"];

const HOLDER_WORDS: &[&str] = &[
    "holder",
    "accountholder",
    "cardholder",
    "kontoinhaber",
    "titular",
    "titulaire",
];

/// "Name" in the vocabulary's languages: with it, "first"/"last" are name parts.
const NAME_LITERALS: &[&str] = &["name", "nom", "nombre", "nome", "naam", "navn", "namn"];

/// Enclosing objects whose "first"/"last" fields are name parts.
const NAMED_PARENT_WORDS: &[&str] = &["name", "person", "holder", "customer", "contact"];

/// Generic name parts: a first name under a `name`-ish key or parent.
const FIRST_PART_WORDS: &[&str] = &["first", "given", "fore"];
const LAST_PART_WORDS: &[&str] = &["last", "family", "sur"];

/// Generic field names that are an address line under an address-ish parent.
const ADDRESS_LINE_WORDS: &[&str] = &["line1", "line", "street"];

/// Enclosing-object stems under which `line1`/`street` is a postal address line.
const ADDRESS_PARENT_STEMS: &[&str] = &[
    "addr",
    "adress",
    "adresse",
    "anschrift",
    "shipping",
    "billing",
    "delivery",
];

const NAME_WORDS: &[&str] = &[
    "name",
    "names",
    "driver",
    "passenger",
    "rider",
    "courier",
    "employee",
    "member",
    "guest",
    "traveler",
    "traveller",
    "payer",
    "payee",
    "debtor",
    "creditor",
    "signatory",
    "signer",
    "kunde",
    "fahrer",
    "cliente",
    "conducteur",
    "conductor",
    "autista",
    "bestuurder",
    "fullname",
    "displayname",
    "nom",
    "nombre",
    "nome",
    "naam",
    "navn",
    "namn",
    "nimi",
    "imię",
    "imie",
    "jméno",
    "holder",
    "accountholder",
    "cardholder",
    "owner",
    "recipient",
    "beneficiary",
    "patient",
    "customername",
    "contactname",
    "addressee",
    "inhaber",
    "titular",
    "titulaire",
    "intestatario",
    "kontoinhaber",
    "empfänger",
    "empfaenger",
    "destinataire",
];
const FIRST_WORDS: &[&str] = &[
    "firstname",
    "givenname",
    "forename",
    "vorname",
    "prenom",
    "prénom",
    "voornaam",
    "fornavn",
    "förnamn",
    "fornamn",
    "etunimi",
    "fname",
    "nombrepila",
];
const LAST_WORDS: &[&str] = &[
    "lastname",
    "surname",
    "familyname",
    "nachname",
    "familienname",
    "nomdefamille",
    "achternaam",
    "cognome",
    "apellido",
    "apellidos",
    "nazwisko",
    "efternamn",
    "etternavn",
    "sukunimi",
    "lname",
    "sobrenome",
    "příjmení",
    "priimek",
];
/// Words of a person's account: its own name is a login (`user_name`, `accountName`), but its
/// full, display, first or last name, its owner or holder, is the person's (`user.full_name`,
/// OpenTelemetry's attribute; `userLastName`, `account.owner`).
const ACCOUNT_WORDS: &[&str] = &["user", "account"];

/// What an account's name field must say to be the person's name: one of these, as a word or as
/// two words joined (`display` `name`).
const PERSONAL_NAME_WORDS: &[&str] = &[
    "fullname",
    "displayname",
    "realname",
    "legalname",
    "firstname",
    "givenname",
    "middlename",
    "lastname",
    "familyname",
    "surname",
    "owner",
    "holder",
];

/// Words that make a "name" field the name of a thing, not a person.
const THING_WORDS: &[&str] = &[
    "user",
    "username",
    "login",
    "account",
    "company",
    "firma",
    "org",
    "organisation",
    "organization",
    "business",
    "product",
    "item",
    "host",
    "hostname",
    "device",
    "app",
    "application",
    "service",
    "file",
    "filename",
    "domain",
    "server",
    "brand",
    "model",
    "street",
    "city",
    "country",
    "event",
    "template",
    "metric",
    "node",
    "cluster",
    "job",
    "bucket",
    "queue",
    "topic",
    "table",
    "column",
    "field",
    "type",
    "role",
    "team",
    "project",
    "shop",
    "store",
    "merchant",
    "vendor",
    "network",
    "ssid",
    "bank",
    "plan",
    "tier",
    "category",
    "tag",
    "key",
    "label",
    "group",
    "channel",
    "stream",
    "index",
    "schema",
    "db",
    "database",
    "container",
    "pod",
    "image",
    "namespace",
    "region",
    "zone",
    "site",
    "building",
    "room",
    "sensor",
    "metric",
    "sku",
    "package",
    "module",
    "feature",
    "task",
    "workflow",
    "pipeline",
    "env",
    "environment",
    "cookie",
    "header",
    "param",
    "attribute",
    "screen",
    "nick",
    "nickname",
    "alias",
    "handle",
    "entreprise",
    "societe",
    "société",
    "empresa",
    "azienda",
    "bedrijf",
    "unternehmen",
    "nazwa",
    "path",
    "version",
    "release",
    "title",
    "school",
    "employer",
    "city",
    "town",
    "file",
];
/// Enclosing objects whose `name` is a thing's name.
const PARENT_THING_WORDS: &[&str] = &[
    "company",
    "product",
    "products",
    "item",
    "items",
    "host",
    "device",
    "devices",
    "app",
    "service",
    "file",
    "brand",
    "model",
    "org",
    "organisation",
    "organization",
    "merchant",
    "vendor",
    "shop",
    "store",
    "bank",
    "team",
    "project",
    "sku",
    "package",
    "module",
    "category",
    "plan",
    "tier",
    "sensor",
    "metric",
    "job",
    "stream",
    "labels",
    "tags",
    "firma",
    "empresa",
];
const DOB_WORDS: &[&str] = &[
    "dob",
    "birthdate",
    "birthday",
    "bday",
    "born",
    "geburtsdatum",
    "gebdatum",
    "gebdat",
    "geboortedatum",
    "naissance",
    "nacimiento",
    "nascita",
    "urodzenia",
    "födelsedatum",
    "fodelsedatum",
    "fødselsdato",
    "fodselsdato",
    "syntymäaika",
    "nascimento",
    "narození",
    "geburtstag",
    "verjaardag",
    "compleanno",
    "cumpleaños",
    "datanascita",
    "fechanacimiento",
    "datenaissance",
];
const ADDRESS_WORDS: &[&str] = &[
    "address",
    "addr",
    "addr1",
    "address1",
    "addressline1",
    "adresse",
    "adres",
    "anschrift",
    "direccion",
    "dirección",
    "domicilio",
    "indirizzo",
    "endereco",
    "endereço",
    "street",
    "streetaddress",
    "strasse",
    "straße",
    "straat",
    "rue",
    "calle",
    "gata",
    "gatuadress",
    "ulica",
    "adress",
    "osoite",
    "wohnadresse",
    "postanschrift",
    "postaladdress",
    "residence",
    "wohnort",
    "lieferadresse",
    "rechnungsadresse",
    "via",
];
const NOT_POSTAL_WORDS: &[&str] = &[
    "email",
    "mail",
    "ip",
    "ipv4",
    "ipv6",
    "mac",
    "remote",
    "server",
    "wallet",
    "host",
    "bind",
    "listen",
    "peer",
    "socket",
    "url",
    "web",
    "contract",
    "node",
    "hardware",
    "bluetooth",
    "ble",
    "memory",
    "ethernet",
    "link",
    "proxy",
    "gateway",
    "broker",
    "endpoint",
    "source",
    "destination",
    "dst",
    "src",
    "client",
    "mqtt",
    "public",
    "private",
    "city",
    "zip",
    "postcode",
    "plz",
    "country",
    "line2",
    "code",
    "town",
    "state",
    "region",
    "cap",
    "cp",
];
const PHONE_WORDS: &[&str] = &[
    "phone",
    "phones",
    "telephone",
    "telefon",
    "telefono",
    "teléfono",
    "telefone",
    "telefoon",
    "telephon",
    "téléphone",
    "tel",
    "tlf",
    "mobile",
    "mobil",
    "mobiel",
    "movil",
    "móvil",
    "cellulare",
    "cell",
    "cellphone",
    "msisdn",
    "handy",
    "gsm",
    "fax",
    "portable",
    "whatsapp",
    "sms",
    "telnr",
    "phonenumber",
    "mobilephone",
    "mobilnummer",
    "telefonnummer",
    "puhelin",
    "komórka",
    "komorka",
    "numtel",
];
/// Word beginnings that mark a phone number in compound field names.
const PHONE_STEMS: &[&str] = &[
    "phone",
    "telefo",
    "telepho",
    "téléph",
    "teleph",
    "mobiel",
    "mobilnr",
    "mobilnum",
    "handy",
    "msisdn",
    "whatsapp",
    "cellul",
    "cellphone",
    "móvil",
    "movil",
];

/// Word endings that mark a postal address in compound field names (`Lieferadresse`,
/// `postadres`, `homeaddress`).
const ADDRESS_SUFFIXES: &[&str] = &[
    "adresse",
    "adres",
    "adress",
    "address",
    "straße",
    "strasse",
    "straat",
    "anschrift",
    "indirizzo",
    "direccion",
    "dirección",
];

const NATIONAL_ID_WORDS: &[&str] = &[
    "ssn",
    "nationalid",
    "national",
    "taxid",
    "tax",
    "steuerid",
    "steueridentifikationsnummer",
    "idnr",
    "steuernummer",
    "bsn",
    "burgerservicenummer",
    "nir",
    "insee",
    "secu",
    "pesel",
    "personnummer",
    "personalnummer",
    "nino",
    "insurance",
    "fiscale",
    "codicefiscale",
    "cf",
    "dni",
    "nie",
    "nif",
    "idnumber",
    "personid",
    "personalid",
    "personal",
    "identity",
    "identification",
    "identificacion",
    "citizen",
    "social",
    "sociale",
    "securite",
    "sécurité",
    "socialsecurity",
    "svnr",
    "ni",
    "nin",
    "ninumber",
    "personnumber",
    "personalnumber",
    "idcard",
    "ausweis",
    "personalausweis",
    "documento",
    "cedula",
    "identiteit",
    "sozialversicherungsnummer",
    "versicherungsnummer",
    "rijksregisternummer",
    "rijksregister",
    "registre",
    "niss",
    "personnr",
    "henkilötunnus",
    "hetu",
    "cpr",
    "document",
    "documentnumber",
    "tin",
    "steuer",
    "numerofiscal",
];
const LAT_WORDS: &[&str] = &[
    "lat",
    "latitude",
    "breite",
    "breitengrad",
    "latitud",
    "latitudine",
];
const LON_WORDS: &[&str] = &[
    "lon",
    "lng",
    "long",
    "longitude",
    "länge",
    "laengengrad",
    "längengrad",
    "longitud",
    "longitudine",
];
const COORD_WORDS: &[&str] = &[
    "coordinates",
    "coords",
    "coord",
    "position",
    "pos",
    "location",
    "loc",
    "geo",
    "gps",
    "latlng",
    "latlon",
    "lnglat",
    "point",
    "geolocation",
    "standort",
    "posicion",
    "posizione",
];
const VERSION_WORDS: &[&str] = &[
    "version",
    "ver",
    "v",
    "fw",
    "firmware",
    "build",
    "release",
    "sw",
    "software",
    "revision",
    "rev",
    "appversion",
    "schema",
    "semver",
    "agent",
    "useragent",
    "sdk",
    "os",
    "kernel",
    "producer",
    "server",
];
const SERVER_WORDS: &[&str] = &[
    "host",
    "received",
    "mta",
    "mailserver",
    "hop",
    "server",
    "relay",
    "upstream",
    "backend",
    "smtp",
    "mx",
    "dns",
    "resolver",
    "gateway",
    "ntp",
    "broker",
    "endpoint",
    "proxy",
    "nameserver",
    "via",
    "instance",
    // HTTP/2's `:authority`, its `Host`.
    "authority",
    // The address a server binds, listens on or publishes to its clients (Elasticsearch's
    // `publish_address`, `bound_address`; Kafka's `advertised.listeners`).
    "bind",
    "bound",
    "listen",
    "listener",
    "listeners",
    "publish",
    "advertised",
];
const SENSOR_WORDS: &[&str] = &[
    "x",
    "y",
    "z",
    "accel",
    "accelerometer",
    "gyro",
    "gyroscope",
    "imu",
    "magnetometer",
    "temperature",
    "temp",
    "humidity",
    "pressure",
    "reading",
    "readings",
    "voltage",
    "rpm",
    "lux",
    "co2",
    "speed",
    "heading",
    "altitude",
    "battery",
    "rssi",
    "metric",
];
const OTHER_DATE_WORDS: &[&str] = &[
    "created",
    "updated",
    "modified",
    "since",
    "until",
    "valid",
    "expiry",
    "expires",
    "expiration",
    "exp",
    "ts",
    "timestamp",
    "time",
    "date",
    "at",
    "issued",
    "start",
    "end",
    "due",
    "delivery",
    "shipped",
    "seen",
];
const BUSINESS_ID_WORDS: &[&str] = &[
    "order",
    "invoice",
    "ref",
    "reference",
    "sku",
    "gtin",
    "ean",
    "upc",
    "isbn",
    "asin",
    "mpn",
    "serial",
    "batch",
    "ticket",
    "transaction",
    "txn",
    "tx",
    "request",
    "trace",
    // W3C Trace Context headers: `00-<trace id>-<span id>-<flags>`, hex identifiers.
    "traceparent",
    "tracestate",
    "correlation",
    "session",
    "cart",
    "shipment",
    "tracking",
    "po",
    "no",
    "nr",
    "number",
    "id",
    "uuid",
    "guid",
    "hash",
    "checksum",
    "etag",
    "part",
    "product",
    "customer",
    "tenant",
    "account",
    "msg",
    "message",
    "job",
];

/// Where a vocabulary entry must sit in a field name's words for its rule to fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// A whole word, or all words joined (`national_id` reads `nationalid`).
    Word,
    /// The beginning of a word (`PHONE_STEMS`, parent stems).
    Prefix,
    /// The end of a word (`ADDRESS_SUFFIXES`).
    Suffix,
}

/// When a vocabulary entry makes a field name personal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// On its own.
    Alone,
    /// Together with an entry of the other side of the same rule: an enclosing object's stem
    /// and a generic child name (`billing` with `line`, `customer` with `first`).
    Pair { rule: u8, side: u8 },
}

/// Parents (with their anchor) and the child lists they pair with.
type PairRule = (
    &'static [&'static str],
    Anchor,
    &'static [&'static [&'static str]],
);

/// Every entry through which [`classify`] (with its parent rules) can return a kind that
/// field-decided detectors act on: names, birth dates, addresses, phones, national IDs,
/// passports and coordinates. A field name holding none of them (as the anchor says) can only
/// be classified as a kind that needs a pattern candidate to report anything; the quiet check
/// (`crate::quiet`) relies on this, and its tests check it against the engine.
pub(crate) fn personal_vocabulary() -> Vec<(&'static str, Anchor, Need)> {
    let words: [&[&'static str]; 15] = [
        // vCard and LDIF name their fields by codes (`fields::vcard_fields`,
        // `fields::ldif_fields`), SIP its caller's name by position (the display name before
        // `<sip:...>`): the word that declares a card, an entry or a SIP URI sends the payload
        // to the full scan.
        &["vcard", "dn", "sip", "sips"],
        PASSPORT_WORDS,
        DOB_WORDS,
        BIRTH_WORDS,
        PHONE_WORDS,
        HOLDER_WORDS,
        NATIONAL_ID_WORDS,
        LAT_WORDS,
        LON_WORDS,
        COORD_WORDS,
        FIRST_WORDS,
        LAST_WORDS,
        NAME_LITERALS,
        NAME_WORDS,
        ADDRESS_WORDS,
    ];
    let mut out: Vec<(&'static str, Anchor, Need)> = words
        .iter()
        .flat_map(|list| list.iter().map(|w| (*w, Anchor::Word, Need::Alone)))
        .collect();
    out.extend(
        PHONE_STEMS
            .iter()
            .map(|w| (*w, Anchor::Prefix, Need::Alone)),
    );
    out.extend(
        ADDRESS_SUFFIXES
            .iter()
            .map(|w| (*w, Anchor::Suffix, Need::Alone)),
    );
    let pairs: [PairRule; 2] = [
        (ADDRESS_PARENT_STEMS, Anchor::Prefix, &[ADDRESS_LINE_WORDS]),
        (
            NAMED_PARENT_WORDS,
            Anchor::Word,
            &[FIRST_PART_WORDS, LAST_PART_WORDS],
        ),
    ];
    for (rule, (parents, anchor, children)) in (0_u8..).zip(pairs) {
        out.extend(
            parents
                .iter()
                .map(|w| (*w, anchor, Need::Pair { rule, side: 0 })),
        );
        out.extend(
            children
                .iter()
                .flat_map(|list| list.iter())
                .map(|w| (*w, Anchor::Word, Need::Pair { rule, side: 1 })),
        );
    }
    out
}

/// Every word of every list, personal or not, and the inline ones of [`classify_words`]' rules:
/// the field names the quiet check's tests try.
#[cfg(test)]
pub(crate) fn all_listed_words() -> Vec<&'static str> {
    let lists: [&[&'static str]; 29] = [
        PASSPORT_WORDS,
        BIRTH_WORDS,
        HOLDER_WORDS,
        NAME_LITERALS,
        NAMED_PARENT_WORDS,
        FIRST_PART_WORDS,
        LAST_PART_WORDS,
        ADDRESS_LINE_WORDS,
        ADDRESS_PARENT_STEMS,
        NAME_WORDS,
        FIRST_WORDS,
        LAST_WORDS,
        THING_WORDS,
        PARENT_THING_WORDS,
        DOB_WORDS,
        ADDRESS_WORDS,
        NOT_POSTAL_WORDS,
        PHONE_WORDS,
        PHONE_STEMS,
        ADDRESS_SUFFIXES,
        NATIONAL_ID_WORDS,
        LAT_WORDS,
        LON_WORDS,
        COORD_WORDS,
        VERSION_WORDS,
        SERVER_WORDS,
        SENSOR_WORDS,
        OTHER_DATE_WORDS,
        BUSINESS_ID_WORDS,
    ];
    let inline: &[&str] = &[
        "email",
        "mail",
        "courriel",
        "sender",
        "to",
        "from",
        "cc",
        "mac",
        "imei",
        "iban",
        "bic",
        "ip",
        "ipaddress",
        "card",
        "pan",
        "cardnumber",
        "creditcard",
        "primaryaccountnumber",
        "place",
        "city",
        "vat",
        "company",
        "first",
        "last",
        "given",
        "family",
        "line1",
        "dateofbirth",
        "streetaddress",
        "customerphone",
        "homeaddress",
        "shippingaddress",
    ];
    lists
        .iter()
        .flat_map(|l| l.iter().copied())
        .chain(inline.iter().copied())
        .collect()
}

/// Whether a field name is just "name" in one of the vocabulary's languages (`name`, `nombre`,
/// `Nom`): such a field may hold a first name alone.
pub(crate) fn is_bare_name_key(name: &str) -> bool {
    let w = words(name);
    matches!(w.as_slice(), [one] if ["name", "nom", "nombre", "nome", "naam", "navn", "namn", "imię", "imie", "nimi"].contains(&one.as_str()))
}

/// Whether an enclosing object's name says it describes a person.
pub(crate) fn is_person_record(name: &str) -> bool {
    const PERSON_RECORDS: &[&str] = &[
        "customer",
        "customers",
        "user",
        "users",
        "contact",
        "contacts",
        "person",
        "persons",
        "people",
        "recipient",
        "sender",
        "patient",
        "employee",
        "member",
        "owner",
        "account",
        "profile",
        "holder",
        "client",
        "kunde",
        "kunden",
        "cliente",
        "clienti",
        "klant",
        "passenger",
        "driver",
        "guest",
        "buyer",
        "seller",
        "applicant",
        "candidate",
        "subscriber",
        "author",
        "billing",
        "shipping",
        "beneficiary",
        "payer",
        "payee",
    ];
    words(name)
        .iter()
        .any(|w| PERSON_RECORDS.contains(&w.as_str()))
}

/// Whether a field name is a bare identifier name (`id`, `ID`, `identifier`).
pub(crate) fn is_bare_id_key(name: &str) -> bool {
    matches!(words(name).as_slice(), [one] if ["id", "identifier", "ident"].contains(&one.as_str()))
}

/// Classifies a field name. `parent` is the enclosing object or topic, used when the name alone
/// is generic (`line1` inside `shippingAddress`, `first` inside `name`).
pub(crate) fn classify(name: &str, parent: Option<&str>) -> FieldKind {
    /// Distinct field names per thread remembered; payloads repeat the same few names.
    const CACHE_LIMIT: usize = 4096;
    thread_local! {
        static CACHE: std::cell::RefCell<crate::memo::Memo<FieldKind>> =
            std::cell::RefCell::new(crate::memo::Memo::new(CACHE_LIMIT));
    }
    let question = std::iter::once(name).chain(parent).map(str::as_bytes);
    let hash = CACHE.with(|c| c.borrow().hash(question));
    if let Some(kind) = CACHE.with(|c| c.borrow().get(hash)) {
        return kind;
    }
    let kind = classify_uncached(name, parent);
    CACHE.with(|c| c.borrow_mut().insert(hash, kind));
    kind
}

fn classify_uncached(name: &str, parent: Option<&str>) -> FieldKind {
    let mut w = words(name);
    // An HTTP extension header's `X-` (`X-Caller`, `X-Card-Token`) says nothing of its value;
    // read as the axis word `x`, it made every such header a sensor reading, under which cards,
    // phone numbers and positions are not believed.
    let name = match name.get(..2) {
        Some("X-" | "x-") if w.len() > 1 => {
            w.remove(0);
            name.get(2..).unwrap_or_default()
        }
        _ => name,
    };
    if w.is_empty() {
        return FieldKind::Other;
    }
    // The words joined (`national_id` reads `nationalid`), where they are one compound: only
    // separators that join words in names (`_ - .` and space) make one; a key with others
    // (`customer[email]`, `a:b`, undecodable bytes) is matched by its words alone.
    let compound = name.chars().all(|c| c.is_alphanumeric() || joins_words(c));
    let joined: String = if compound { w.concat() } else { String::new() };
    let parent_words = parent.map(words).unwrap_or_default();
    classify_words(&w, &joined, &parent_words)
}

#[expect(
    clippy::too_many_lines,
    reason = "one ordered list of rules reads best in one place"
)]
fn classify_words(w: &[String], joined: &str, parent: &[String]) -> FieldKind {
    let is = |list: &[&str]| any_word(w, list) || list.contains(&joined);
    if (is(&[
        "email",
        "mail",
        "emailaddress",
        "courriel",
        "correo",
        "epost",
        "mailto",
        "to",
        "from",
        "cc",
        "sender",
        "replyto",
    ]) || joined.starts_with("email")
        || joined.ends_with("email")
        || joined.starts_with("mailadres"))
        && !is(&["name"])
    {
        return FieldKind::Email;
    }
    if is(&["mac", "macaddress", "bssid", "hwaddr", "hwaddress"]) {
        return FieldKind::Mac;
    }
    if is(&["imei"]) {
        return FieldKind::Imei;
    }
    if is(&["iban", "bic"]) {
        return FieldKind::Iban;
    }
    if is(PASSPORT_WORDS) {
        return FieldKind::Passport;
    }
    if is(VERSION_WORDS) && !is(&["ip", "addr", "address"]) {
        return FieldKind::Version;
    }
    if is(&[
        "ip",
        "ipv4",
        "ipv6",
        "ipaddress",
        "ipaddr",
        "remoteaddr",
        "clientip",
        "xforwardedfor",
        "forwarded",
        "realip",
        "peer",
    ]) {
        return FieldKind::Ip;
    }
    if (is(&[
        "card",
        "pan",
        "cardnumber",
        "creditcard",
        "cc",
        "kreditkarte",
        "carte",
        "tarjeta",
        "cardno",
        "ccnumber",
        "primaryaccountnumber",
    ]) || joined.contains("primaryaccount"))
        && !is(&[
            "expiry", "exp", "holder", "name", "cvv", "cvc", "brand", "type",
        ])
    {
        return FieldKind::Card;
    }
    if is(DOB_WORDS)
        || (is(BIRTH_WORDS) && !is(&["place", "city", "country", "ort", "lieu", "luogo", "lugar"]))
    {
        return FieldKind::DateOfBirth;
    }
    // Compounds (`telefoonnummer`, `handynummer`, `mobilePhone`) share a stem.
    if is(PHONE_WORDS) || any_prefix(w, PHONE_STEMS) {
        return FieldKind::Phone;
    }
    if is(HOLDER_WORDS) {
        return FieldKind::FullName;
    }
    if is(NATIONAL_ID_WORDS) && !is(&["vat", "ust", "company", "name"]) {
        return FieldKind::NationalId;
    }
    if is(LAT_WORDS) {
        return FieldKind::Latitude;
    }
    if is(LON_WORDS) {
        return FieldKind::Longitude;
    }
    if is(COORD_WORDS) {
        return FieldKind::Coordinates;
    }
    if is(SENSOR_WORDS) {
        return FieldKind::Sensor;
    }
    if is(SERVER_WORDS) {
        return FieldKind::Server;
    }
    let personal_part = w.iter().enumerate().any(|(i, word)| {
        PERSONAL_NAME_WORDS.contains(&word.as_str())
            || w.get(i + 1).is_some_and(|next| {
                PERSONAL_NAME_WORDS
                    .iter()
                    .any(|entry| entry.strip_prefix(word.as_str()) == Some(next.as_str()))
            })
    });
    let account_only = w.iter().all(|word| {
        !THING_WORDS.contains(&word.as_str()) || ACCOUNT_WORDS.contains(&word.as_str())
    });
    let thing = is(THING_WORDS) && !(account_only && personal_part);
    // "first"/"last"/"given"/"family" alone are generic; with "name" (here or in the parent)
    // they are name parts.
    let named = is(NAME_LITERALS) || any_word(parent, NAMED_PARENT_WORDS);
    if !thing && (is(FIRST_WORDS) || (named && is(FIRST_PART_WORDS))) {
        return FieldKind::FirstName;
    }
    if !thing && (is(LAST_WORDS) || (named && is(LAST_PART_WORDS))) {
        return FieldKind::LastName;
    }
    if is(NAME_WORDS) {
        if thing {
            return FieldKind::ThingName;
        }
        if any_word(parent, PARENT_THING_WORDS) {
            return FieldKind::ThingName;
        }
        return FieldKind::FullName;
    }
    let address_compound = w
        .iter()
        .any(|word| ADDRESS_SUFFIXES.iter().any(|suffix| word.ends_with(suffix)));
    if (is(ADDRESS_WORDS) || address_compound) && !is(NOT_POSTAL_WORDS) && !joined.contains("mail")
    {
        return FieldKind::Address;
    }
    if (is(ADDRESS_LINE_WORDS) || joined == "line1") && any_prefix(parent, ADDRESS_PARENT_STEMS) {
        return FieldKind::Address;
    }
    if is(OTHER_DATE_WORDS) {
        return FieldKind::OtherDate;
    }
    if is(BUSINESS_ID_WORDS) {
        return FieldKind::BusinessId;
    }
    FieldKind::Other
}

/// What the word(s) just before `at` say (for values in free text: `sms to 0170...`).
pub(crate) fn preceding_kind(bytes: &[u8], at: usize) -> FieldKind {
    let window_start = at.saturating_sub(40);
    let window = bytes.get(window_start..at).unwrap_or_default();
    // A word cut by the window's start is a fragment (`bilnr` of `mobilnr`), not a word.
    // Word bytes: a UTF-8 character is part of its word (`teléfono` is one word, not `tel`).
    let word_byte = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-') || c >= 0x80;
    let cut = window_start > 0 && bytes.get(window_start - 1).is_some_and(|&c| word_byte(c));
    // A value glued to a word (`sécurité1786…`) has no label: the word runs into the value, as
    // `securite1786…` is one token.
    let last_char = (1..=4)
        .filter_map(|n| at.checked_sub(n).and_then(|start| bytes.get(start..at)))
        .find_map(|tail| std::str::from_utf8(tail).ok())
        .and_then(|tail| tail.chars().next_back());
    if last_char.is_some_and(char::is_alphanumeric) {
        return FieldKind::Other;
    }
    // Up to two words, nearest first, borrowed without copying.
    let mut words: [&str; 2] = ["", ""];
    let mut count = 0;
    let mut end = window.len();
    while count < 2 {
        while end > 0 && window.get(end - 1).is_some_and(|&c| !word_byte(c)) {
            if window
                .get(end - 1)
                .is_some_and(|&c| c == b'\n' || c == b'/' || c == b'.')
            {
                // A product token (`Chrome/1.2.3.4`) or end of sentence: stop here.
                if count == 0 && window.get(end - 1) == Some(&b'/') {
                    return FieldKind::Version;
                }
                break;
            }
            end -= 1;
        }
        let start = window.get(..end).map_or(0, |w| {
            end - w.iter().rev().take_while(|&&c| word_byte(c)).count()
        });
        if start == end || (start == 0 && cut) {
            break;
        }
        if let Some(slot) = words.get_mut(count) {
            *slot = std::str::from_utf8(window.get(start..end).unwrap_or_default()).unwrap_or("");
        }
        count += 1;
        end = start;
    }
    for w in words.iter().take(count) {
        let kind = classify(w, None);
        if !matches!(
            kind,
            FieldKind::Other | FieldKind::BusinessId | FieldKind::OtherDate | FieldKind::Email
        ) {
            return kind;
        }
    }
    FieldKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("ContactPhone"), vec!["contact", "phone"]);
        assert_eq!(words("date_of-birth.v2"), vec!["date", "of", "birth", "v2"]);
        assert_eq!(words("Straße"), vec!["straße"]);
    }

    #[test]
    fn preceding_words_are_whole_words() {
        // (text, where the value starts, the kind its preceding words give)
        for (text, at, kind) in [
            // `tel` is no word of `teléf`.
            ("teléf 6305.6305", 7, FieldKind::Other),
            ("teléfono 6305 6305", 10, FieldKind::Phone),
            ("mobilnr 0170 1234567", 8, FieldKind::Phone),
            // A value glued to the word before it has no label, in UTF-8 as in ASCII.
            ("sécurité 1786758771641", 11, FieldKind::NationalId),
            ("sécurité1786758771641", 10, FieldKind::Other),
        ] {
            assert_eq!(preceding_kind(text.as_bytes(), at), kind, "{text}");
        }
        let text = format!("17mobilnr3m_s read{}1768087679161", " ".repeat(24));
        let at = text.len() - 13;
        // The 40-byte window starts inside `17mobilnr3m_s`: its tail `mobilnr3m_s` is no word.
        assert_eq!(&text.as_bytes()[at - 40..at - 29], b"mobilnr3m_s");
        assert_eq!(preceding_kind(text.as_bytes(), at), FieldKind::Other);
    }

    #[test]
    fn classifies_across_languages() {
        for (name, kind) in [
            ("ContactPhone", FieldKind::Phone),
            ("geburtsdatum", FieldKind::DateOfBirth),
            ("date_of_birth", FieldKind::DateOfBirth),
            ("Vorname", FieldKind::FirstName),
            ("cognome", FieldKind::LastName),
            ("display_name", FieldKind::FullName),
            ("company_name", FieldKind::ThingName),
            ("username", FieldKind::Other),
            // An account's own name is a login; its full, display, first or last name, its
            // owner, is the person's (OpenTelemetry's `user.name` and `user.full_name`).
            ("user_name", FieldKind::ThingName),
            ("accountName", FieldKind::ThingName),
            ("user.name", FieldKind::ThingName),
            ("user.full_name", FieldKind::FullName),
            ("user_full_name", FieldKind::FullName),
            ("userDisplayName", FieldKind::FullName),
            ("user_first_name", FieldKind::FirstName),
            ("userLastName", FieldKind::LastName),
            ("account.owner", FieldKind::FullName),
            ("company_full_name", FieldKind::ThingName),
            ("shipping_address", FieldKind::Address),
            ("email_address", FieldKind::Email),
            ("ip_address", FieldKind::Ip),
            ("order_id", FieldKind::BusinessId),
            ("fw", FieldKind::Version),
            ("national_id", FieldKind::NationalId),
            ("lng", FieldKind::Longitude),
            ("created_at", FieldKind::OtherDate),
            ("telefoonnummer", FieldKind::Phone),
            ("Handynummer", FieldKind::Phone),
            ("Lieferadresse", FieldKind::Address),
            ("emailadresse", FieldKind::Email),
            // An extension header's `X-` is no sensor axis; the axis itself still is.
            ("X-Caller", FieldKind::Other),
            ("x-card-token", FieldKind::Card),
            ("X-Forwarded-For", FieldKind::Ip),
            ("X-Request-Id", FieldKind::BusinessId),
            ("x", FieldKind::Sensor),
            ("x_accel", FieldKind::Sensor),
            ("traceparent", FieldKind::BusinessId),
            // `current` and `alt` (electric current, altitude) are no sensor words: they open
            // address fields as often (`currentAddress`, `alt_address`).
            ("currentAddress", FieldKind::Address),
            ("alt_address", FieldKind::Address),
            // A bare `client` holds the client's address in access logs, not a version (a
            // product token, `App/1.2.3.4`, is no address whatever the field).
            ("client", FieldKind::Other),
            ("nom_de_famille", FieldKind::LastName),
            ("client_version", FieldKind::Version),
        ] {
            assert_eq!(classify(name, None), kind, "{name}");
        }
        assert_eq!(
            classify("line1", Some("billingAddress")),
            FieldKind::Address
        );
        // Alone, a first line is as often a production line or a phone line as an address.
        for name in ["line1", "line-1", "Line_1"] {
            assert_ne!(classify(name, None), FieldKind::Address, "{name}");
            assert_ne!(classify(name, Some("plants")), FieldKind::Address, "{name}");
        }
        assert_eq!(classify("Line_1", Some("shipping")), FieldKind::Address);
    }
}
