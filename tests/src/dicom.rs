//! DICOM with Debian's dcmtk: `storescp`, the storage service a PACS runs, and `storescu`,
//! which sends it an image as a modality does (C-STORE over DICOM's upper layer, in clear
//! text). The image is made with `dump2dcm` from a text dump, with the patient's data.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::Result;
use crate::error::Context as _;
use crate::netns::NsRef;
use crate::preflight::tool;
use crate::process::{Proc, run_ok};
use crate::servers::wait_listening;

/// The programs the storage service, the client and the image need.
pub const TOOLS: &[&str] = &["storescp", "storescu", "dump2dcm"];

/// How long a store may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The patient of an image.
#[derive(Debug)]
pub struct Patient<'a> {
    /// `family^given`, as DICOM writes a person's name.
    pub name: &'a str,
    /// `YYYYMMDD`.
    pub birth_date: &'a str,
    pub address: &'a str,
}

/// A storage service in `ns` on `port`, writing what it receives to `dir`. Stopped (by PID)
/// when dropped.
///
/// # Errors
/// When it cannot start or does not listen in time.
pub fn start_store_scp(ns: &NsRef, port: u16, dir: &Path, log_dir: &Path) -> Result<Proc> {
    std::fs::create_dir_all(dir).context(format!("creating {}", dir.display()))?;
    let mut cmd = ns.exec("storescp")?;
    cmd.arg("--output-directory").arg(dir).arg(port.to_string());
    let mut proc = Proc::spawn(&format!("storescp-{port}"), &mut cmd, log_dir)?;
    wait_listening(ns, port, Some(&mut proc))?;
    Ok(proc)
}

/// A secondary-capture image of `patient` in `dir` (UTF-8, Explicit VR Little Endian).
///
/// # Errors
/// When `dump2dcm` fails.
pub fn image(dir: &Path, patient: &Patient<'_>) -> Result<PathBuf> {
    let dump = dir.join("patient.dump");
    let file = dir.join("patient.dcm");
    let text = format!(
        "(0008,0005) CS [ISO_IR 192]\n\
         (0008,0016) UI =SecondaryCaptureImageStorage\n\
         (0008,0018) UI [1.2.826.0.1.3680043.2.1143.1.1]\n\
         (0008,0060) CS [OT]\n\
         (0010,0010) PN [{}]\n\
         (0010,0020) LO [MRN-0042]\n\
         (0010,0030) DA [{}]\n\
         (0010,1040) LO [{}]\n\
         (0020,000d) UI [1.2.826.0.1.3680043.2.1143.1.2]\n\
         (0020,000e) UI [1.2.826.0.1.3680043.2.1143.1.3]\n",
        patient.name, patient.birth_date, patient.address
    );
    std::fs::write(&dump, text).context(format!("writing {}", dump.display()))?;
    run_ok(
        Command::new(tool("dump2dcm")?)
            .arg("--write-xfer-little")
            .arg(&dump)
            .arg(&file),
        COMMAND_TIMEOUT,
    )?;
    Ok(file)
}

/// Sends `file` from `ns` to the storage service at `server`.
///
/// # Errors
/// When the store fails.
pub fn store(ns: &NsRef, server: SocketAddr, file: &Path) -> Result<()> {
    let mut cmd = ns.exec("storescu")?;
    cmd.arg(server.ip().to_string())
        .arg(server.port().to_string())
        .arg(file);
    run_ok(&mut cmd, COMMAND_TIMEOUT).map(drop)
}
