//! SVG charts, drawn from series a group picks out of its rows: panels of lines against a
//! limit (speedup against workers), lines on log scales (wall time or memory against N), and
//! panels of bars.

use crate::Res;
use plotters::prelude::*;
use std::path::Path;

/// A named line: (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

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

/// One panel per (caption, series): speedup against workers, with the sequential run as
/// 1 worker, and the limit (speedup = workers up to the core count).
pub fn speedup_panels(panels: &[(String, Vec<Series>)], cores: usize, path: &Path) -> Res<()> {
    if panels.is_empty() {
        return Ok(());
    }
    // Tall, with headroom above the lines: the legend (up to a dozen series) sits in the
    // upper third of each panel, clear of every line.
    let root = SVGBackend::new(path, (480 * panels.len() as u32, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len()));
    for (area, (caption, series)) in areas.iter().zip(panels) {
        let max_w = series
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.0))
            .fold(1.0, f64::max);
        let top = series
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.1))
            .fold(cores as f64, f64::max)
            * 1.6;
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 16))
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
        draw_lines(&mut chart, series)?;
    }
    root.present()?;
    Ok(())
}

/// Lines on log scales: (caption, x axis, y axis).
pub fn log_lines(series: &[Series], labels: [&str; 3], path: &Path) -> Res<()> {
    let series: Vec<Series> = series.iter().filter(|s| !s.1.is_empty()).cloned().collect();
    if series.is_empty() {
        return Ok(());
    }
    let all = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let (x_lo, x_hi) = all().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| (a.min(x), b.max(x)));
    let (y_lo, y_hi) = all().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| (a.min(y), b.max(y)));
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let [caption, x_desc, y_desc] = labels;
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
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    draw_lines(&mut chart, &series)?;
    root.present()?;
    Ok(())
}

/// A bar: its label, its height and its colour's index.
pub type Bar = (String, f64, usize);

/// One panel of bars per (caption, bars), the y axis named `y_desc`.
pub fn bar_panels(panels: &[(String, Vec<Bar>)], y_desc: &str, path: &Path) -> Res<()> {
    if panels.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (420 * panels.len() as u32, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len()));
    for (area, (caption, bars)) in areas.iter().zip(panels) {
        let top = bars.iter().map(|b| b.1).fold(0.0, f64::max) * 1.15;
        let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 14))
            .margin(10)
            .x_label_area_size(110)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..bars.len() as f64 - 0.5, 0.0..top.max(1e-6))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_desc)
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
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, m, color))| {
            let x = i as f64;
            let color = Palette99::pick(*color).to_rgba();
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, *m)], color.filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
