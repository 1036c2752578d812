//! The environment of a run: the machine, the compilers, the load, and how fast two plain busy
//! threads go here (the calibration), so a reader can tell a slow machine from a slow program.

use crate::calibrate::Calibration;
use crate::config::Cfg;
use serde::Serialize;

#[derive(Serialize)]
pub struct Env {
    pub mode: crate::config::Mode,
    pub cores: usize,
    pub os: &'static str,
    pub arch: &'static str,
    pub kernel: String,
    pub cpu: String,
    pub rustc: &'static str,
    pub python: String,
    /// The `hypervisor` CPU flag: set inside a virtual machine.
    pub vm: Option<bool>,
    /// What systemd-detect-virt says (VM or container), where it exists.
    pub virtualization: Option<String>,
    /// 1-minute load average when the run started: a busy machine gives noisy figures.
    pub load_average_start: Option<f64>,
    pub calibration: Option<Calibration>,
    /// The same, measured again when every group has run.
    pub calibration_end: Option<Calibration>,
    pub load_average_end: Option<f64>,
    /// Seconds each group took, in the order they ran.
    pub group_seconds: Vec<(&'static str, f64)>,
    pub repeats: usize,
    pub warmup: usize,
    pub unix_time: u64,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

pub fn load_average() -> Option<f64> {
    read("/proc/loadavg")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Env {
    pub fn collect(cfg: &Cfg, calibration: Option<Calibration>) -> Env {
        let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string());
        let vm = (!cpuinfo.is_empty()).then(|| {
            cpuinfo
                .lines()
                .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
        });
        let virtualization = std::process::Command::new("systemd-detect-virt")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty());
        Env {
            mode: cfg.mode,
            cores: cfg.cores,
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            kernel: read("/proc/sys/kernel/osrelease")
                .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string()),
            cpu,
            rustc: env!("BENCH_RUSTC_VERSION"),
            python: std::iter::once(match &cfg.python {
                Ok(py) => py.version.clone(),
                Err(why) => format!("n/a ({why})"),
            })
            .chain(cfg.others.iter().map(|b| match &b.python {
                Ok(py) => format!("{} ({})", py.version, b.name),
                Err(why) => format!("{}: n/a ({why})", b.name),
            }))
            .collect::<Vec<_>>()
            .join(", "),
            vm,
            virtualization,
            load_average_start: load_average(),
            calibration,
            calibration_end: None,
            load_average_end: None,
            group_seconds: Vec::new(),
            repeats: cfg.runs.repeats,
            warmup: cfg.runs.warmup,
            unix_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}
