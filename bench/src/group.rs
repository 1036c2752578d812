//! What a group of measurements is: its workloads, child roles, rows, targets, table and
//! charts all live in its own module, behind this trait; main lists the groups once. Nothing
//! here knows any group.

use crate::Res;
use crate::config::Cfg;
use crate::row::Row;
use crate::targets::Target;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// One answer of a Rust variant on small inputs, with the Python script and arguments that
/// must give the same answer (`bench check` prints them; the tests run and compare them).
#[derive(Serialize)]
pub struct Check {
    pub name: String,
    pub script: &'static str,
    pub args: Vec<String>,
    /// The part of the script's JSON that must be equal.
    pub rust: Value,
}

pub trait Group: Sync {
    /// The name on the command line and in results.json.
    fn name(&self) -> &'static str;

    /// How many progress steps a run of the group takes.
    fn planned(&self, cfg: &Cfg) -> u64;

    /// Measures every row.
    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>>;

    /// BENCH.md's targets for this group, checked against its rows.
    fn targets(&self, _rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
        Vec::new()
    }

    /// The group's part of the Markdown report (its rows are never empty).
    fn table(&self, rows: &[Row], cfg: &Cfg) -> String;

    /// Writes the group's charts into `dir`; returns their file names.
    fn charts(&self, _rows: &[Row], _cfg: &Cfg, _dir: &Path) -> Res<Vec<&'static str>> {
        Ok(Vec::new())
    }

    /// Runs one of the group's child roles (`bench child GROUP ROLE`, ROLE the JSON of the
    /// group's own role type).
    fn child(&self, role: &str) -> Res<()> {
        Err(format!("the {} group has no child role {role}", self.name()).into())
    }

    /// The group's answers for `bench check`.
    fn checks(&self, _exe: &Path) -> Res<Vec<Check>> {
        Ok(Vec::new())
    }
}
