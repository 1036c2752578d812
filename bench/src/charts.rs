//! SVG charts: speedup against workers (cpu), wall time and peak memory against N (io).

use crate::Res;
use crate::group::Group;
use crate::row::{Cell, Key, Row};
use plotters::prelude::*;
use std::path::Path;

type Series = (String, Vec<(f64, f64)>);

fn draw_lines<'a, 'b: 'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
    series: &[Series],
) -> Res<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

/// One panel per workload: speedup of each parallel variant against its worker count, with
/// the sequential run as 1 worker, and the ideal (speedup = workers up to the core count).
pub fn cpu(rows: &[Row], cores: usize, path: &Path) -> Res<()> {
    let mut items: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.group == Group::Cpu) {
        if !items.contains(&r.item.as_str()) {
            items.push(&r.item);
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (480 * items.len() as u32, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, items.len()));
    for (panel, item) in panels.iter().zip(&items) {
        let rows: Vec<&Row> = rows
            .iter()
            .filter(|r| r.group == Group::Cpu && r.item == *item)
            .collect();
        let max_w = rows.iter().filter_map(|r| r.workers).max().unwrap_or(1) as f64;
        let mut series: Vec<Series> = Vec::new();
        for side in ["Rust", "Python"] {
            for variant in &crate::cpu::Variant::ALL[1..] {
                let mut points = vec![(1.0, 1.0)];
                let same =
                    |r: &&&Row| matches!(r.key, Key::Cpu { variant: v, .. } if v == *variant);
                for r in rows.iter().filter(same) {
                    let s = if side == "Rust" {
                        r.rust_speedup
                    } else {
                        r.python_speedup
                    };
                    if let (Some(s), Some(w)) = (s, r.workers) {
                        points.push((w as f64, s));
                    }
                }
                if points.len() > 1 {
                    series.push((format!("{side} {}", variant.name()), points));
                }
            }
        }
        let top = series
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.1))
            .fold(cores as f64, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .caption(*item, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0.5..max_w + 0.5, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("workers")
            .y_desc("speedup against sequential")
            // Whole numbers of workers only.
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 {
                    format!("{x:.0}")
                } else {
                    String::new()
                }
            })
            .draw()?;
        let ideal = vec![
            (1.0, 1.0),
            (cores as f64, cores as f64),
            (max_w.max(cores as f64), cores as f64),
        ];
        chart
            .draw_series(LineSeries::new(ideal, BLACK.mix(0.3)))?
            .label(format!("limit ({cores} cores)"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.mix(0.3)));
        draw_lines(&mut chart, &series)?;
    }
    root.present()?;
    Ok(())
}

/// Wall time or peak memory (log scales) against N, for the four io variants.
pub fn io(rows: &[Row], memory: bool, path: &Path) -> Res<()> {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.group == Group::Io).collect();
    let mut series: Vec<Series> = Vec::new();
    for rust_side in [true, false] {
        let mut names: Vec<String> = Vec::new();
        for r in &rows {
            let name = if rust_side {
                format!("Rust {}", r.rust_variant)
            } else {
                r.python_variant.clone().unwrap_or_default()
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for name in names {
            let mut points = Vec::new();
            for r in &rows {
                let this = if rust_side {
                    format!("Rust {}", r.rust_variant)
                } else {
                    r.python_variant.clone().unwrap_or_default()
                };
                if this != name {
                    continue;
                }
                let cell = match (rust_side, memory) {
                    (true, false) => Some(&r.rust),
                    (false, false) => Some(&r.python),
                    (true, true) => r.rust_peak_mib.as_ref(),
                    (false, true) => r.python_peak_mib.as_ref(),
                };
                if let (Some(Cell::Fig(f)), Some(n)) = (cell, r.workers) {
                    points.push((n as f64, f.median));
                }
            }
            if !points.is_empty() {
                series.push((name, points));
            }
        }
    }
    if series.is_empty() {
        return Ok(());
    }
    let all = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let (x_lo, x_hi) = all().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| (a.min(x), b.max(x)));
    let (y_lo, y_hi) = all().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| (a.min(y), b.max(y)));
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let (caption, y_desc) = if memory {
        (
            "io: peak memory of the process against N concurrent waits",
            "peak resident memory, MiB",
        )
    } else {
        ("io: wall time against N concurrent waits", "wall time, s")
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (x_lo / 1.5..x_hi * 1.5).log_scale(),
            (y_lo / 1.5..y_hi * 1.5).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("N (concurrent waits)")
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    draw_lines(&mut chart, &series)?;
    root.present()?;
    Ok(())
}

/// realworld: one panel per case, a bar per variant and side: its wall time (median).
pub fn realworld(rows: &[Row], path: &Path) -> Res<()> {
    let mut items: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.group == Group::Realworld) {
        if !items.contains(&r.item.as_str()) {
            items.push(&r.item);
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (420 * items.len() as u32, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, items.len()));
    let (rust_color, python_color) = (Palette99::pick(0).to_rgba(), Palette99::pick(1).to_rgba());
    for (panel, item) in panels.iter().zip(&items) {
        // (label, wall time, is Rust)
        let mut bars: Vec<(String, f64, bool)> = Vec::new();
        for r in rows.iter().filter(|r| r.item == *item) {
            if let Some(m) = r.rust.median() {
                bars.push((format!("Rust {}", r.rust_variant), m, true));
            }
        }
        for r in rows.iter().filter(|r| r.item == *item) {
            if let (Some(m), Some(name)) = (r.python.median(), &r.python_variant) {
                bars.push((name.clone(), m, false));
            }
        }
        let top = bars.iter().map(|b| b.1).fold(0.0, f64::max) * 1.15;
        let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        let mut chart = ChartBuilder::on(panel)
            .caption(*item, ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(110)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..bars.len() as f64 - 0.5, 0.0..top.max(1e-6))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("wall time, s (lower is better)")
            .x_labels(bars.len().max(1))
            .x_label_style(
                ("sans-serif", 12)
                    .into_font()
                    .transform(FontTransform::Rotate90),
            )
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-9 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, m, rust))| {
            let color = if *rust { rust_color } else { python_color };
            let x = i as f64;
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, *m)], color.filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
