//! DICOM through the kernel path, with Debian's dcmtk: a modality's `storescu` sends an image to
//! a PACS's `storescp` (C-STORE, in clear text). A data set names nothing in words: the
//! patient's name, birth date and address are found by their elements' tags, the flow labelled
//! `dicom`. The association request's UIDs (`1.2.840.10008.5.1.4.1.1.7`), which were read as
//! French social security numbers, give nothing. No planted value reaches any output.

use tests::dicom::{self, Patient};
use tests::expect::Direction;
use tests::fixtures::CUSTOMER_NEEDLES;
use tests::lab::{Lab, Options, TestLab};
use tests::preflight;

const PORT: u16 = 11112;

#[test]
fn dicom_patient_elements_are_read_by_their_tags() {
    if !preflight::require("dicom", dicom::TOOLS) {
        return;
    }
    let Some(mut lab) = TestLab::start("dicom", Options::default()) else {
        return;
    };
    let (client, server_ns) = (lab.topo.client.handle(), lab.topo.server.handle());
    let dir = lab.dir();
    let _pacs = dicom::start_store_scp(&server_ns, PORT, &dir.join("pacs"), &dir.join("logs"))
        .expect("storescp starts");
    // The fixtures' customer: `Ottilie Wennerström`, born 1979-05-23.
    let image = dicom::image(
        &dir,
        &Patient {
            name: "Wennerström^Ottilie",
            birth_date: "19790523",
            address: "Hauptstraße 5, 10115 Berlin",
        },
    )
    .expect("dump2dcm writes the image");
    let pacs = Lab::server_addr(PORT);
    lab.drive_until_found(
        "findings from the stored image's patient",
        PORT,
        |_| dicom::store(&client, pacs, &image),
        &[
            ("person_name", Direction::ToServer),
            ("date_of_birth", Direction::ToServer),
            ("postal_address", Direction::ToServer),
        ],
    )
    .expect("findings from the image");

    lab.assert_protocol_labels(PORT, "dicom");
    let server = Lab::server_endpoint(PORT);
    let findings = lab.daemon.findings().expect("findings");
    let ids: Vec<_> = findings
        .iter()
        .filter(|f| f.dst == server && f.data_types.iter().any(|t| t == "national_id"))
        .collect();
    assert!(ids.is_empty(), "UIDs read as national IDs: {ids:?}");
    lab.assert_no_leaks(CUSTOMER_NEEDLES);
    lab.assert_no_leaks(&["Hauptstra", "10115 Berlin"]);
}
