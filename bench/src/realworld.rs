//! realworld group: the jobs people bring to threads and processes. Word frequencies over a
//! generated corpus (data processing), SHA-256 of every file in a generated tree (file
//! handling: hashlib releases the GIL on large buffers, so Python threads scale there), and
//! fetching pages from a slow local server and collecting their links (web scraping).
//!
//! Every run of every variant is a fresh process (this binary in the `__realworld` role, or
//! realworld.py), so its peak memory is its own; the variants take turns, one run each, so a
//! slow spell of a shared machine hits them alike. The inputs are written once, by Rust, into
//! a temporary directory: both sides read the same bytes.

use crate::Res;
use crate::config::{Cfg, Mode};
use crate::group::Group;
use crate::python::Script;
use crate::report::{cell, opt_cell};
use crate::row::{Cell, Row, find};
use crate::stats::Fig;
use crate::targets::{Target, check, sig, times};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Words are counted in this many pieces, cut at line ends; workers take them one at a time.
const PIECES: usize = 64;
/// The most frequent words reported.
const TOP: usize = 20;
/// Threads of the blocking scraper (and of Python's ThreadPoolExecutor), a usual pool size.
const SCRAPE_THREADS: usize = 50;
/// Links on each page.
const LINKS: usize = 5;
/// Each scraped page is answered after this delay (a slow site).
const PAGE_DELAY_MS: u64 = 50;

const NAME: &str = "realworld";
const SCRIPT: Script = Script {
    name: "realworld.py",
    text: include_str!("../python/realworld.py"),
};

/// What this binary does when restarted by the realworld group.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Role {
    /// One run in a fresh process; `arg` is the corpus, the tree or the server's port. Prints
    /// {"answer", "wall", "peak_kib"}.
    Run {
        case: Case,
        variant: Variant,
        workers: usize,
        arg: String,
        pages: usize,
    },
    /// Answers GET /page/I after `delay_ms` with page I, prints its port, and stops when its
    /// stdin closes.
    ScrapeServer { delay_ms: u64, pages: usize },
    /// Counts pieces k, k + workers, ... of the corpus; prints one "word count" line a word.
    WordsPart {
        path: PathBuf,
        workers: usize,
        k: usize,
    },
    /// Hashes files k, k + workers, ... of the sorted list; prints "index digest bytes" lines.
    HashPart {
        dir: PathBuf,
        workers: usize,
        k: usize,
    },
}

/// A row: the case, the Rust variant and its workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    case: Case,
    variant: Variant,
    workers: usize,
}

pub struct Realworld;

impl Group for Realworld {
    fn name(&self) -> &'static str {
        NAME
    }

    fn planned(&self, _cfg: &Cfg) -> u64 {
        Case::ALL.iter().map(|c| c.variants().len()).sum::<usize>() as u64
    }

    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>> {
        run(cfg)
    }

    fn targets(&self, rows: &[Row], cfg: &Cfg) -> Vec<Target> {
        targets(rows, cfg)
    }

    fn table(&self, rows: &[Row], cfg: &Cfg) -> String {
        let others: Vec<&str> = cfg.others.iter().map(|b| b.name.as_str()).collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let mut line = vec![
                    r.item.clone(),
                    r.rust_variant.clone(),
                    r.workers.unwrap_or(1).to_string(),
                    cell(&r.rust),
                    crate::report::times(r.rust_speedup),
                    opt_cell(&r.rust_peak_mib),
                    r.python_variant.clone().unwrap_or("—".into()),
                    cell(&r.python),
                    crate::report::times(r.python_speedup),
                    opt_cell(&r.python_peak_mib),
                ];
                for name in &others {
                    let side = r.build_side(name);
                    line.push(side.map_or("—".into(), |b| cell(&b.python)));
                    line.push(crate::report::times(side.and_then(|b| b.speedup)));
                }
                line.push(crate::report::times(r.rust_advantage));
                line
            })
            .collect();
        let main = cfg.python_name();
        let mut header: Vec<String> = [
            "case",
            "Rust",
            "workers",
            "wall",
            "speedup",
            "peak memory",
            "Python",
            "wall",
            "speedup",
            "peak memory",
        ]
        .map(String::from)
        .to_vec();
        header[7] = format!("{main} wall");
        for name in &others {
            header.extend([format!("{name} wall"), "speedup".into()]);
        }
        header.push(format!("Rust faster than {main} by"));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        crate::report::table(
            "realworld: wall time and peak memory of a fresh process per run; speedup = \
             sequential / this, same side and build (scraping: against one connection at a time)",
            &header,
            &lines,
        )
    }

    fn charts(&self, rows: &[Row], cfg: &Cfg, dir: &Path) -> Res<Vec<&'static str>> {
        // A panel per case, a bar per variant and side: its wall time (median).
        let mut panels: Vec<(String, Vec<crate::charts::Bar>)> = Vec::new();
        for case in Case::ALL {
            let rows: Vec<&Row> = rows
                .iter()
                .filter(|r| crate::row::key::<Key>(r).is_some_and(|k| k.case == case))
                .collect();
            let Some(first) = rows.first() else { continue };
            let mut bars = Vec::new();
            for r in &rows {
                if let Some(m) = r.rust.median() {
                    bars.push((format!("Rust {}", r.rust_variant), m, 0));
                }
            }
            for r in &rows {
                if let (Some(m), Some(name)) = (r.python.median(), &r.python_variant) {
                    bars.push((format!("{name} {}", cfg.python_name()), m, 1));
                }
            }
            for (i, build) in cfg.others.iter().enumerate() {
                for r in &rows {
                    let side = r.build_side(&build.name).and_then(|b| b.python.median());
                    if let (Some(m), Some(name)) = (side, &r.python_variant) {
                        bars.push((format!("{name} {}", build.name), m, 2 + i));
                    }
                }
            }
            panels.push((first.item.clone(), bars));
        }
        let path = dir.join("realworld.svg");
        crate::charts::bar_panels(&panels, "wall time, s (lower is better)", &path)?;
        Ok(vec!["realworld.svg"])
    }

    fn child(&self, role: &str) -> Res<()> {
        match crate::child::parse(role)? {
            Role::Run {
                case,
                variant,
                workers,
                arg,
                pages,
            } => role_run(case, variant, workers, &arg, pages),
            Role::ScrapeServer { delay_ms, pages } => server_role(delay_ms, pages),
            Role::WordsPart { path, workers, k } => words_part_role(&path, workers, k),
            Role::HashPart { dir, workers, k } => hash_part_role(&dir, workers, k),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Case {
    Words,
    Hash,
    Scrape,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Variant {
    Sequential,
    Threads,
    Processes,
    Rayon,
    Tokio,
}

impl Case {
    pub const ALL: [Case; 3] = [Case::Words, Case::Hash, Case::Scrape];

    fn name(self) -> &'static str {
        match self {
            Case::Words => "words",
            Case::Hash => "hash",
            Case::Scrape => "scrape",
        }
    }

    /// (Rust variant, its realworld.py counterpart) in table order.
    fn variants(self) -> &'static [(Variant, Option<&'static str>)] {
        match self {
            Case::Words | Case::Hash => &[
                (Variant::Sequential, Some("sequential")),
                (Variant::Threads, Some("threads")),
                (Variant::Processes, Some("processes")),
                (Variant::Rayon, None),
            ],
            Case::Scrape => &[
                (Variant::Tokio, Some("asyncio")),
                (Variant::Threads, Some("threads")),
            ],
        }
    }
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Sequential => "sequential",
            Variant::Threads => "threads",
            Variant::Processes => "processes",
            Variant::Rayon => "rayon",
            Variant::Tokio => "tokio",
        }
    }
}

/// Corpus bytes, files in the tree and their bytes in all, pages scraped.
struct Sizes {
    corpus: u64,
    files: usize,
    tree: u64,
    pages: usize,
}

fn sizes(mode: Mode) -> Sizes {
    Sizes {
        // The vocabulary is fixed (write_corpus), so the work per byte is the same at any size.
        corpus: mode.pick(200_000, 4_000_000, 200_000_000),
        // Files of 1 MB on average in both runs. hashlib releases the GIL while it hashes a
        // buffer, but opening, reading and handing each file to a thread hold it: with files
        // of 200 kB, hashed at over 1 GB/s, that share keeps two Python threads near 1.1x.
        files: mode.pick(20, 100, 400),
        tree: mode.pick(400_000, 100_000_000, 400_000_000),
        pages: mode.pick(20, 100, 1000),
    }
}

fn workers(cfg: &Cfg, case: Case, variant: Variant, pages: usize) -> usize {
    match (case, variant) {
        (_, Variant::Sequential) => 1,
        (Case::Scrape, Variant::Tokio) => pages,
        (Case::Scrape, _) => SCRAPE_THREADS,
        _ => cfg.cores,
    }
}

// ---------------------------------------------------------------------------------------
// The inputs, written once by Rust; realworld.py reads the same files.

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A text of about `bytes` bytes: 12 words a line from a 20,000-word vocabulary, common words
/// far more often than rare ones (the least of three uniform draws), like real text.
fn write_corpus(path: &Path, bytes: u64) -> Res<()> {
    const VOCABULARY: u64 = 20_000;
    let words: Vec<Vec<u8>> = (0..VOCABULARY)
        .map(|w| {
            let x = splitmix64(w);
            let len = 2 + (x % 9) as usize;
            (0..len)
                .map(|i| b'a' + ((x >> (5 * i + 4)) % 26) as u8)
                .collect()
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut written, mut p) = (0u64, 0u64);
    while written < bytes {
        let draw = |k: u64| splitmix64(3 * p + k) % VOCABULARY;
        let word = &words[draw(0).min(draw(1)).min(draw(2)) as usize];
        out.write_all(word)?;
        out.write_all(if p % 12 == 11 { b"\n" } else { b" " })?;
        written += word.len() as u64 + 1;
        p += 1;
    }
    out.flush()?;
    Ok(())
}

/// `files` files of pseudo-random bytes, `bytes` in all (sizes vary from half to one and a
/// half times the mean), in 16 directories.
fn write_tree(dir: &Path, files: usize, bytes: u64) -> Res<()> {
    let mean = bytes / files as u64;
    for k in 0..files {
        let sub = dir.join(format!("d{:02}", k % 16));
        std::fs::create_dir_all(&sub)?;
        let size = mean / 2 + splitmix64(k as u64) % mean.max(1);
        let data: Vec<u8> = (0..size.div_ceil(8))
            .flat_map(|i| splitmix64((k as u64) << 32 | i).to_le_bytes())
            .take(size as usize)
            .collect();
        std::fs::write(sub.join(format!("f{k:05}.bin")), data)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Word frequencies.

/// The pieces of `text`: `n` byte ranges, each ending at a line end.
fn pieces(text: &[u8], n: usize) -> Vec<(usize, usize)> {
    let cut = |k: usize| {
        let at = text.len() * k / n;
        if k == 0 || k == n {
            return at;
        }
        text[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| at + i + 1)
    };
    (0..n)
        .map(|k| (cut(k), cut(k + 1)))
        .filter(|(a, b)| a < b)
        .collect()
}

type Counts<'a> = HashMap<&'a [u8], u64>;

fn count(text: &[u8]) -> Counts<'_> {
    let mut counts = HashMap::new();
    for word in text
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

fn merge<'a>(mut a: Counts<'a>, b: Counts<'a>) -> Counts<'a> {
    for (w, n) in b {
        *a.entry(w).or_insert(0) += n;
    }
    a
}

/// The TOP most frequent words, most frequent first, ties in alphabetical order.
fn top(counts: impl IntoIterator<Item = (String, u64)>) -> Value {
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(TOP);
    json!(all)
}

fn owned(counts: Counts<'_>) -> impl Iterator<Item = (String, u64)> + '_ {
    counts
        .into_iter()
        .map(|(w, n)| (String::from_utf8_lossy(w).into_owned(), n))
}

fn words(variant: Variant, workers: usize, path: &Path) -> Res<Value> {
    if variant == Variant::Processes {
        // Each child reads and counts every workers-th piece; the parent adds their counts.
        let children: Vec<Child> = (0..workers)
            .map(|k| {
                let path = path.to_path_buf();
                let role = Role::WordsPart { path, workers, k };
                crate::child::command(&std::env::current_exe()?, NAME, &role)
                    .stdout(Stdio::piped())
                    .spawn()
            })
            .collect::<Result<_, _>>()?;
        let mut total: HashMap<String, u64> = HashMap::new();
        for child in children {
            let out = child.wait_with_output()?;
            if !out.status.success() {
                return Err("a word-counting child failed".into());
            }
            for line in String::from_utf8(out.stdout)?.lines() {
                let (w, n) = line.split_once(' ').ok_or("bad line from a child")?;
                *total.entry(w.to_string()).or_insert(0) += n.parse::<u64>()?;
            }
        }
        return Ok(top(total));
    }
    let text = std::fs::read(path)?;
    let parts = pieces(&text, PIECES);
    let counts = match variant {
        Variant::Threads => {
            let next = AtomicUsize::new(0);
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        s.spawn(|| {
                            let mut mine = Counts::new();
                            loop {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                let Some(&(a, b)) = parts.get(i) else {
                                    return mine;
                                };
                                mine = merge(mine, count(&text[a..b]));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a counting thread does not panic"))
                    .fold(Counts::new(), merge)
            })
        }
        Variant::Rayon => rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()?
            .install(|| {
                parts
                    .par_iter()
                    .map(|&(a, b)| count(&text[a..b]))
                    .reduce(Counts::new, merge)
            }),
        _ => parts
            .iter()
            .fold(Counts::new(), |acc, &(a, b)| merge(acc, count(&text[a..b]))),
    };
    Ok(top(owned(counts)))
}

/// The `WordsPart` role.
fn words_part_role(path: &Path, workers: usize, k: usize) -> Res<()> {
    let text = std::fs::read(path)?;
    let counts = pieces(&text, PIECES)
        .into_iter()
        .skip(k)
        .step_by(workers.max(1))
        .fold(Counts::new(), |acc, (a, b)| merge(acc, count(&text[a..b])));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (w, n) in counts {
        out.write_all(w)?;
        writeln!(out, " {n}")?;
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Hashing a file tree.

/// Every file under `dir`, as paths relative to it with `/` between parts, sorted.
fn list(dir: &Path) -> Res<Vec<String>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                todo.push(name);
            } else {
                let parts: Vec<String> = name
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's SHA-256 in hex, and its length.
type Digest = (String, u64);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_file(dir: &Path, rel: &str) -> Res<(String, u64)> {
    use sha2::Digest;
    let data = std::fs::read(dir.join(rel))?;
    Ok((hex(&sha2::Sha256::digest(&data)), data.len() as u64))
}

/// The answer: how many files, their bytes, and one SHA-256 over "path digest" lines in path
/// order (so every file's digest counts, and a single line compares).
fn tree_answer(names: &[String], digests: &[(String, u64)]) -> Value {
    use sha2::Digest;
    let mut all = sha2::Sha256::new();
    for (name, (digest, _)) in names.iter().zip(digests) {
        all.update(format!("{name} {digest}\n").as_bytes());
    }
    let bytes: u64 = digests.iter().map(|d| d.1).sum();
    json!({"files": names.len(), "bytes": bytes, "digest": hex(&all.finalize())})
}

fn hash(variant: Variant, workers: usize, dir: &Path) -> Res<Value> {
    let names = list(dir)?;
    let digests: Vec<(String, u64)> = match variant {
        Variant::Sequential => names
            .iter()
            .map(|n| sha256_file(dir, n))
            .collect::<Res<_>>()?,
        Variant::Threads => {
            let next = AtomicUsize::new(0);
            let mut slots: Vec<Option<(String, u64)>> = vec![None; names.len()];
            std::thread::scope(|s| -> Res<()> {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        s.spawn(|| -> Result<Vec<(usize, Digest)>, String> {
                            let mut mine = Vec::new();
                            loop {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                let Some(name) = names.get(i) else {
                                    return Ok(mine);
                                };
                                mine.push((i, sha256_file(dir, name).map_err(|e| e.to_string())?));
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    for (i, d) in h.join().expect("a hashing thread does not panic")? {
                        slots[i] = Some(d);
                    }
                }
                Ok(())
            })?;
            slots
                .into_iter()
                .map(|d| d.ok_or("a file was not hashed"))
                .collect::<Result<_, _>>()?
        }
        Variant::Rayon => rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()?
            .install(|| {
                names
                    .par_iter()
                    .map(|n| sha256_file(dir, n).map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()
            })?,
        _ => {
            // Child k hashes files k, k + workers, ... and prints "index digest bytes" lines.
            let children: Vec<Child> = (0..workers)
                .map(|k| {
                    let dir = dir.to_path_buf();
                    let role = Role::HashPart { dir, workers, k };
                    crate::child::command(&std::env::current_exe()?, NAME, &role)
                        .stdout(Stdio::piped())
                        .spawn()
                })
                .collect::<Result<_, _>>()?;
            let mut slots: Vec<Option<(String, u64)>> = vec![None; names.len()];
            for child in children {
                let out = child.wait_with_output()?;
                if !out.status.success() {
                    return Err("a hashing child failed".into());
                }
                for line in String::from_utf8(out.stdout)?.lines() {
                    let mut f = line.split(' ');
                    let (i, d, n) = (f.next(), f.next(), f.next());
                    let (Some(i), Some(d), Some(n)) = (i, d, n) else {
                        return Err("bad line from a hashing child".into());
                    };
                    *slots
                        .get_mut(i.parse::<usize>()?)
                        .ok_or("index out of range")? = Some((d.to_string(), n.parse()?));
                }
            }
            slots
                .into_iter()
                .map(|d| d.ok_or("a file was not hashed"))
                .collect::<Result<_, _>>()?
        }
    };
    Ok(tree_answer(&names, &digests))
}

/// The `HashPart` role.
fn hash_part_role(dir: &Path, workers: usize, k: usize) -> Res<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, name) in list(dir)?
        .iter()
        .enumerate()
        .skip(k)
        .step_by(workers.max(1))
    {
        let (digest, bytes) = sha256_file(dir, name)?;
        writeln!(out, "{i} {digest} {bytes}")?;
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Scraping a slow local site.

/// Page `i` of a site of `pages` links to these pages.
fn links_of(i: usize, pages: usize) -> impl Iterator<Item = usize> {
    (0..LINKS).map(move |k| (i * 7 + k * 13 + 1) % pages)
}

fn page(i: usize, pages: usize) -> String {
    let mut body = format!("<html><body><h1>page {i}</h1>\n");
    for j in links_of(i, pages) {
        body += &format!("<a href=\"/page/{j}\">page {j}</a>\n");
    }
    body + "</body></html>\n"
}

/// The hrefs in an HTML page, as a scraper's parser finds them.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(link, _)| link.to_string()))
        .collect()
}

/// The answer: pages fetched, links found, distinct links.
fn scrape_answer(found: &[Option<Vec<String>>]) -> Value {
    let fetched = found.iter().filter(|f| f.is_some()).count();
    let all: Vec<&String> = found.iter().flatten().flatten().collect();
    let distinct: std::collections::HashSet<&&String> = all.iter().collect();
    json!({"pages": fetched, "links": all.len(), "distinct": distinct.len()})
}

fn request(i: usize) -> String {
    format!("GET /page/{i} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
}

/// The body of a 200 reply, or None.
fn body(reply: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(reply).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| hrefs(body))
}

/// A page is at most a few hundred bytes: a reply is cut off at 64 KiB, and every socket has
/// a deadline, so a broken server cannot hang the scraper.
const MAX_REPLY: u64 = 64 * 1024;
const DEADLINE: Duration = Duration::from_secs(20);

fn fetch_blocking(port: u16, i: usize) -> Option<Vec<String>> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(DEADLINE)).ok()?;
    s.write_all(request(i).as_bytes()).ok()?;
    let mut reply = Vec::new();
    s.take(MAX_REPLY).read_to_end(&mut reply).ok()?;
    body(&reply)
}

async fn fetch_async(port: u16, i: usize) -> Option<Vec<String>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let get = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        s.write_all(request(i).as_bytes()).await.ok()?;
        let mut reply = Vec::new();
        s.take(MAX_REPLY).read_to_end(&mut reply).await.ok()?;
        body(&reply)
    };
    tokio::time::timeout(DEADLINE, get).await.ok()?
}

fn scrape(variant: Variant, workers: usize, port: u16, pages: usize) -> Res<Value> {
    let found: Vec<Option<Vec<String>>> = match variant {
        Variant::Tokio => tokio::runtime::Runtime::new()?.block_on(async {
            let handles: Vec<_> = (0..pages)
                .map(|i| tokio::spawn(fetch_async(port, i)))
                .collect();
            let mut found = Vec::with_capacity(pages);
            for h in handles {
                found.push(h.await?);
            }
            Ok::<_, tokio::task::JoinError>(found)
        })?,
        _ => {
            let next = AtomicUsize::new(0);
            let mut found = vec![None; pages];
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        s.spawn(|| {
                            let mut mine = Vec::new();
                            loop {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                if i >= pages {
                                    return mine;
                                }
                                mine.push((i, fetch_blocking(port, i)));
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    for (i, f) in h.join().expect("a fetching thread does not panic") {
                        found[i] = f;
                    }
                }
            });
            found
        }
    };
    Ok(scrape_answer(&found))
}

/// The `ScrapeServer` role.
fn server_role(delay_ms: u64, pages: usize) -> Res<()> {
    let delay = Duration::from_millis(delay_ms);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(([127, 0, 0, 1], 0).into())?;
        let listener = socket.listen(4096)?; // a thousand clients connect at once
        println!("{}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        let serve = async {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let read = tokio::time::timeout(DEADLINE, s.read(&mut buf)).await;
                    let Ok(Ok(n)) = read else { return };
                    let text = String::from_utf8_lossy(&buf[..n]);
                    let i = text
                        .strip_prefix("GET /page/")
                        .and_then(|rest| rest.split(' ').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .filter(|&i| i < pages);
                    tokio::time::sleep(delay).await;
                    let reply = match i {
                        Some(i) => {
                            let body = page(i, pages);
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            )
                        }
                        None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
                    };
                    let _ = s.write_all(reply.as_bytes()).await;
                });
            }
        };
        tokio::select! {
            () = serve => {}
            () = crate::child::stdin_closed() => {}
        }
        Ok::<_, std::io::Error>(())
    })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Running the group.

/// The `Run` role.
fn role_run(case: Case, variant: Variant, workers: usize, arg: &str, pages: usize) -> Res<()> {
    let start = Instant::now();
    let answer = match case {
        Case::Words => words(variant, workers, Path::new(arg))?,
        Case::Hash => hash(variant, workers, Path::new(arg))?,
        Case::Scrape => scrape(variant, workers, arg.parse()?, pages)?,
    };
    crate::child::print_figures(answer, start.elapsed().as_secs_f64());
    Ok(())
}

/// One side's runs of one row: wall times, peak memory, the last answer, or why none.
#[derive(Default)]
struct Side {
    walls: Vec<f64>,
    peaks: Vec<f64>,
    answer: Value,
    failed: Option<String>,
}

impl Side {
    fn record(&mut self, out: Result<Value, String>, keep: bool) {
        if self.failed.is_some() {
            return;
        }
        match out {
            Ok(v) => {
                if keep {
                    match v["wall"].as_f64() {
                        Some(w) => self.walls.push(w),
                        None => self.failed = Some("no wall time in the output".into()),
                    }
                    if let Some(k) = v["peak_kib"].as_f64() {
                        self.peaks.push(k / 1024.0);
                    }
                }
                self.answer = v["answer"].clone();
            }
            Err(e) => self.failed = Some(e),
        }
    }

    fn cells(&self) -> (Cell, Option<Cell>) {
        if self.failed.is_some() || self.walls.is_empty() {
            return (Cell::Na, Some(Cell::Na));
        }
        let peak = if self.peaks.is_empty() {
            Cell::Na
        } else {
            Cell::Fig(Fig::new("MiB", self.peaks.clone()))
        };
        (Cell::Fig(Fig::new("s", self.walls.clone())), Some(peak))
    }
}

fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let size = sizes(cfg.mode);
    let dir = tempdir()?;
    let result = run_in(cfg, &size, &dir.0);
    drop(dir);
    result
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

fn tempdir() -> Res<TempDir> {
    let dir = std::env::temp_dir().join(format!("bench-realworld-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(TempDir(dir))
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a failure leaves files in the temp dir, which the OS cleans.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_in(cfg: &Cfg, size: &Sizes, dir: &Path) -> Res<Vec<Row>> {
    cfg.step("realworld: writing the corpus and the file tree");
    let corpus = dir.join("corpus.txt");
    write_corpus(&corpus, size.corpus)?;
    let tree = dir.join("tree");
    write_tree(&tree, size.files, size.tree)?;
    let role = Role::ScrapeServer {
        delay_ms: PAGE_DELAY_MS,
        pages: size.pages,
    };
    let server = crate::child::Server::start(&cfg.exe, NAME, &role)?;
    let mut rows = Vec::new();
    for case in Case::ALL {
        let arg = match case {
            Case::Words => corpus.display().to_string(),
            Case::Hash => tree.display().to_string(),
            Case::Scrape => server.port.to_string(),
        };
        let item = match case {
            Case::Words => format!(
                "word frequencies, {} MB corpus",
                sig(size.corpus as f64 / 1e6)
            ),
            Case::Hash => format!(
                "SHA-256 of {} files, {} MB",
                size.files,
                sig(size.tree as f64 / 1e6)
            ),
            Case::Scrape => format!(
                "scrape {} pages, {PAGE_DELAY_MS} ms each, {LINKS} links a page",
                size.pages
            ),
        };
        let plan: Vec<(Variant, Option<&str>, usize)> = case
            .variants()
            .iter()
            .map(|&(v, py)| (v, py, workers(cfg, case, v, size.pages)))
            .collect();
        let args = |name: &str, w: usize| {
            vec![
                case.name().into(),
                name.into(),
                w.to_string(),
                arg.clone(),
                size.pages.to_string(),
            ]
        };
        // The other Python builds run the CPU-bound cases, where the GIL decides; scraping
        // waits on the network in every build.
        let builds: Vec<&crate::python::Build> = match case {
            Case::Scrape => Vec::new(),
            _ => cfg.others.iter().collect(),
        };
        let mut sides: Vec<(Side, Side, Vec<Side>)> = plan
            .iter()
            .map(|_| {
                (
                    Side::default(),
                    Side::default(),
                    builds.iter().map(|_| Side::default()).collect(),
                )
            })
            .collect();
        // Round-robin: one run of every variant, Rust and Python, then the next round.
        let rounds = cfg.runs;
        for rep in 0..rounds.total() {
            let keep = rep >= rounds.warmup;
            for ((v, py, w), (rust, python, others)) in plan.iter().zip(sides.iter_mut()) {
                cfg.step(&format!(
                    "realworld {} {} round {}",
                    case.name(),
                    v.name(),
                    rep + 1
                ));
                let role = Role::Run {
                    case,
                    variant: *v,
                    workers: *w,
                    arg: arg.clone(),
                    pages: size.pages,
                };
                rust.record(crate::child::json(&cfg.exe, NAME, &role), keep);
                if let Some(py) = py {
                    python.record(crate::pair::run(cfg, &SCRIPT, &args(py, *w)), keep);
                    for (build, side) in builds.iter().zip(others.iter_mut()) {
                        let out = match &build.python {
                            Ok(p) => p.run(&SCRIPT, &args(py, *w)),
                            Err(why) => Err(why.clone()),
                        };
                        side.record(out, keep);
                    }
                }
            }
        }
        let mut case_rows = Vec::new();
        for ((v, py, w), (rust, python, others)) in plan.iter().zip(sides) {
            let key = Key {
                case,
                variant: *v,
                workers: *w,
            };
            let mut row = Row::new(NAME, key, item.clone(), v.name());
            row.workers = Some(*w);
            (row.rust, row.rust_peak_mib) = rust.cells();
            row.rust_answer = rust.answer;
            if let Some(why) = rust.failed {
                row.notes.push(format!("Rust: {why}"));
            }
            if let Some(py) = py {
                row.python_variant = Some(format!("Python {py}"));
                (row.python, row.python_peak_mib) = python.cells();
                row.python_answer = python.answer;
                if let Some(why) = python.failed {
                    row.notes.push(format!("Python: {why}"));
                }
                row.compare_answers();
                for (build, side) in builds.iter().zip(others) {
                    let rust_answer = row.rust_answer.clone();
                    let (time, peak) = side.cells();
                    let b = row.build(&build.name);
                    (b.python, b.peak_mib) = (time, peak);
                    if side.failed.is_none() && !rust_answer.is_null() {
                        b.answers_agree = Some(side.answer == rust_answer);
                    }
                    b.answer = side.answer;
                    if let (Some(why), Variant::Sequential) = (side.failed, v) {
                        row.notes.push(format!("Python {}: {why}", build.name));
                    }
                }
            }
            if *v == Variant::Processes {
                row.notes
                    .push("peak memory: the parent's; each worker process has its own".into());
            }
            cfg.done();
            case_rows.push(row);
        }
        // Speedup: against the sequential run of the same side; for scraping, against one
        // page at a time (pages x delay, the least a sequential scraper could take).
        let base = |rust: bool| match case {
            Case::Scrape => Some(size.pages as f64 * PAGE_DELAY_MS as f64 / 1000.0),
            _ => case_rows.first().and_then(|r: &Row| {
                if rust {
                    r.rust.median()
                } else {
                    r.python.median()
                }
            }),
        };
        let (rust_base, py_base) = (base(true), base(false));
        let build_base: Vec<(String, Option<f64>)> = builds
            .iter()
            .map(|b| {
                let seq = case_rows.first().and_then(|r| r.build_side(&b.name));
                (b.name.clone(), seq.and_then(|s| s.python.median()))
            })
            .collect();
        for mut row in case_rows {
            row.rust_speedup = rust_base.zip(row.rust.median()).map(|(b, m)| b / m);
            row.python_speedup = py_base.zip(row.python.median()).map(|(b, m)| b / m);
            for (name, base) in &build_base {
                if let Some(side) = row.builds.iter_mut().find(|s| &s.build == name) {
                    side.speedup = base.zip(side.python.median()).map(|(b, m)| b / m);
                }
            }
            rows.push(row.finish());
        }
    }
    drop(server);
    Ok(rows)
}

fn targets(rows: &[Row], cfg: &Cfg) -> Vec<Target> {
    let mut out = Vec::new();
    let pages = sizes(cfg.mode).pages;
    for case in Case::ALL {
        let row = |v| {
            find(
                rows,
                &Key {
                    case,
                    variant: v,
                    workers: workers(cfg, case, v, pages),
                },
            )
        };
        let best = |rust: bool| {
            case.variants()
                .iter()
                .filter_map(|&(v, _)| row(v))
                .filter_map(|r| {
                    let cell = if rust { &r.rust } else { &r.python };
                    let name = if rust {
                        r.rust_variant.clone()
                    } else {
                        r.python_variant.clone()?
                    };
                    cell.median().map(|m| (name, m))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        let (rust, python) = (best(true), best(false));
        let figure = rust.clone().zip(python.clone());
        let name = case.name();
        out.push(check(
            format!("realworld.{name}.best"),
            format!("realworld {name}: Rust's best against Python's best"),
            figure.as_ref().map(|((_, r), (_, p))| p / r),
            |v| match &figure {
                Some(((rn, r), (pn, p))) => {
                    format!("Rust {rn} {} s, {pn} {} s: {}", sig(*r), sig(*p), times(v))
                }
                None => "n/a".into(),
            },
            None,
        ));
        let speedup = |v| row(v).and_then(|r| r.python_speedup);
        let procs = speedup(Variant::Processes).map_or("n/a".into(), times);
        match case {
            // hashlib releases the GIL while it hashes a large buffer: threads scale.
            Case::Hash => {
                let goal = 0.75 * cfg.cores as f64;
                out.push(check(
                    "realworld.hash.python_threads",
                    format!("realworld hash: Python threads speedup >= {goal:.2}, hashlib releases the GIL (Python processes: {procs})"),
                    speedup(Variant::Threads),
                    times,
                    Some(&|v| v >= goal),
                ));
            }
            // Counting words in Python holds the GIL: threads do not scale.
            Case::Words => {
                out.push(check(
                    "realworld.words.python_threads",
                    format!(
                        "realworld words: Python {} threads speedup <= 1.2, the GIL is held (Python processes: {procs})",
                        cfg.python_name()
                    ),
                    speedup(Variant::Threads),
                    times,
                    Some(&|v| v <= 1.2),
                ));
                for build in &cfg.others {
                    let b = build.name.as_str();
                    let value = row(Variant::Threads)
                        .and_then(|r| r.build_side(b))
                        .and_then(|s| s.speedup);
                    let id = format!("realworld.words.python{b}_threads");
                    // Shown for the free-threaded build: counting into dicts and merging them
                    // is not the plain arithmetic the cpu group judges.
                    out.push(if build.free_threaded {
                        check(id, format!("realworld words: Python {b} (free-threaded) threads speedup"), value, times, None)
                    } else {
                        check(
                            id,
                            format!("realworld words: Python {b} threads speedup <= 1.2, the GIL is held"),
                            value,
                            times,
                            Some(&|v| v <= 1.2),
                        )
                    });
                }
            }
            Case::Scrape => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_comes_back_as_it_was_sent() {
        let roles = [
            Role::Run {
                case: Case::Hash,
                variant: Variant::Rayon,
                workers: 2,
                arg: "/tmp/tree".into(),
                pages: 10,
            },
            Role::ScrapeServer {
                delay_ms: 50,
                pages: 10,
            },
            Role::WordsPart {
                path: "/tmp/corpus.txt".into(),
                workers: 2,
                k: 1,
            },
            Role::HashPart {
                dir: "/tmp/tree".into(),
                workers: 2,
                k: 0,
            },
        ];
        for role in roles {
            let json = serde_json::to_string(&role).expect("a role is plain data");
            let back: Role = crate::child::parse(&json).expect("its own JSON parses");
            assert_eq!(back, role);
        }
    }
}
