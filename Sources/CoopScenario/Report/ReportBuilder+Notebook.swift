import Foundation
import CoopData

/// A JSON value written the way nbformat writes notebooks
/// (`json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)`), so a
/// notebook we write is byte-stable and diffs cleanly after Jupyter saves it.
indirect enum NotebookJSON {
    case string(String)
    case int(Int)
    case null
    case array([NotebookJSON])
    case object([String: NotebookJSON])

    func write(into out: inout String, indent: Int) {
        switch self {
        case .string(let s): Self.quote(s, into: &out)
        case .int(let n): out += String(n)
        case .null: out += "null"
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[\n"
            for (k, v) in a.enumerated() {
                out += String(repeating: " ", count: indent + 1)
                v.write(into: &out, indent: indent + 1)
                out += k + 1 < a.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            let keys = o.keys.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
            for (k, key) in keys.enumerated() {
                out += String(repeating: " ", count: indent + 1)
                Self.quote(key, into: &out)
                out += ": "
                o[key]!.write(into: &out, indent: indent + 1)
                out += k + 1 < keys.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    /// A JSON string literal as Python's json module writes it with ensure_ascii=False.
    static func quote(_ s: String, into out: inout String) { JSONText.quote(s, into: &out) }

    /// Text as nbformat's multi-line string: a list of lines, each but the last ending in "\n".
    static func lines(_ text: String) -> NotebookJSON {
        var parts: [NotebookJSON] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "\n" { parts.append(.string(current)); current = "" }
        }
        if !current.isEmpty { parts.append(.string(current)) }
        return .array(parts)
    }

    /// A string as a Python literal (JSON string syntax is valid Python).
    static func python(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }
}

extension ReportBuilder {
    /// A Jupyter notebook (nbformat 4.5) of the report, saved with outputs.
    ///
    /// Cells: a title and guide (markdown); a code cell that loads the run
    /// folder's CSV files with pandas from `runFolderPath` (relative to the
    /// notebook's folder, "." when the notebook sits in the run folder, which
    /// is the default); the target-probability table (saved output:
    /// `text/html`); the fan charts drawn with matplotlib (saved outputs: our
    /// own SVGs as `image/svg+xml` display data); the comparison charts when
    /// the run has `compare.csv`; the provenance (markdown).
    /// Cell ids are "cell-1", "cell-2", ... and execution counts 1, 2, ..., so
    /// exporting twice gives the same bytes. Running all cells in Jupyter
    /// replaces the saved outputs with matplotlib's figures.
    public func notebook(runFolderPath: String) -> String {
        let L = language.labels
        var cells: [NotebookJSON] = []
        var execution = 0
        func markdownCell(_ text: String) {
            cells.append(.object(["cell_type": .string("markdown"), "id": .string("cell-\(cells.count + 1)"),
                                  "metadata": .object([:]), "source": NotebookJSON.lines(text)]))
        }
        func codeCell(_ code: String, outputs: [NotebookJSON]) {
            execution += 1
            cells.append(.object(["cell_type": .string("code"), "id": .string("cell-\(cells.count + 1)"),
                                  "execution_count": .int(execution), "metadata": .object([:]),
                                  "outputs": .array(outputs), "source": NotebookJSON.lines(code)]))
        }
        func svgOutput(_ svg: String, caption: String) -> NotebookJSON {
            .object(["output_type": .string("display_data"), "metadata": .object([:]),
                     "data": .object(["image/svg+xml": NotebookJSON.lines(svg), "text/plain": NotebookJSON.lines(caption)])])
        }

        // 1. Title and guide.
        var intro = "# \(mdEsc(title))\n\n" + (calibrationCaveat().map { "> **\(mdEsc($0))**\n\n" } ?? "") + "\(L.notebookHowTo)\n\n## \(mdEsc(L.scenarios))\n\n" + mdTable(scenarioTable())
        let items = provenanceItems()
        if !items.isEmpty {
            intro += "\n## \(mdEsc(L.provenance))\n\n"
            for (k, v) in items { intro += "- **\(mdEsc(k))**: " + (k == L.command ? "`\(v.replacingOccurrences(of: "`", with: "'"))`" : mdEsc(v)) + "\n" }
            if let p = folder.provenance, !p.inputs.isEmpty {
                intro += "\n" + mdTable(([L.file, "SHA-256"], p.inputs.map { [$0.path, $0.sha256] }))
            }
        }
        markdownCell(intro.hasSuffix("\n") ? String(intro.dropLast()) : intro)

        // 2. Loading.
        markdownCell("## \(mdEsc(L.notebookLoad))")
        let labelKeys: [(String, String)] = [
            ("year", L.year), ("median", L.median), ("band25to75", L.band25to75), ("band5to95", L.band5to95),
            ("observed", L.observed), ("targetLegend", L.targetLegend), ("probabilityShort", L.probabilityShort),
            ("scenario", L.scenario), ("region", L.region), ("metric", L.metric), ("target", L.target),
            ("probability", L.probability), ("mcSE", L.mcSE), ("source", L.source), ("noTargets", L.noTargets), ("notEvaluated", L.notEvaluated),
            ("difference", L.difference), ("differenceVersus", L.differenceVersus), ("medianDifference", L.medianDifference),
            ("zero", L.zero), ("probIncrease", L.probIncrease), ("percentagePoints", L.percentagePoints),
        ]
        let labelsLiteral = "{\n" + labelKeys.map { "    \(NotebookJSON.python($0.0)): \(NotebookJSON.python($0.1))," }.joined(separator: "\n") + "\n}"
        let units = language == .vi ? ReportLanguage.vietnameseUnits : [:]
        let unitsLiteral = "{" + units.keys.sorted().map { "\(NotebookJSON.python($0)): \(NotebookJSON.python(units[$0]!))" }.joined(separator: ", ") + "}"
        var load = """
        # Reads the run folder's CSV files (columns: Guides/Outputs.md). RUN is the run folder,
        # relative to this notebook's folder; Jupyter and nbconvert run a notebook in its own folder.
        import json
        import math
        from pathlib import Path

        import matplotlib.pyplot as plt
        import pandas as pd
        from IPython.display import HTML, display
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        RUN = Path(\(NotebookJSON.python(runFolderPath)))
        LANG = \(NotebookJSON.python(language.rawValue))
        L = \(labelsLiteral)
        UNITS = \(unitsLiteral)
        TEXT_COLUMNS = ["scenario", "baseline", "region", "metric", "op", "source", "source_vi", "reason", "reason_vi", "unit", "label_en",
                        "label_vi", "title", "title_vi", "file"]


        def read(name):
            path = RUN / name
            if not path.exists():
                return None
            head = pd.read_csv(path, nrows=0).columns
            df = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS if c in head}, keep_default_na=False, na_values=[""])
            for c in TEXT_COLUMNS:
                if c in df.columns:
                    df[c] = df[c].fillna("")
            print(f"{name}: {len(df)} rows")
            return df


        summary = read("summary.csv")
        targets = read("targets.csv")
        compare = read("compare.csv")
        history = read("history.csv")
        metrics = read("metrics.csv")
        scenarios = read("scenarios.csv")
        run = json.loads((RUN / "run.json").read_text(encoding="utf-8")) if (RUN / "run.json").exists() else {}
        """
        load += "\n"
        var loadText = ""
        let present: [(String, Int)] = [("summary.csv", folder.summary.count), ("targets.csv", folder.targets.count),
                                        ("compare.csv", folder.differences.count), ("history.csv", folder.history.count),
                                        ("metrics.csv", -1), ("scenarios.csv", folder.scenarios.count)]
        let dir = folder.directory
        for (name, count) in present where FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(name)) {
            let n = count >= 0 ? count : (try? _RunTable.read(path: (dir as NSString).appendingPathComponent(name)).rowCount) ?? 0
            loadText += "\(name): \(n) rows\n"
        }
        codeCell(String(load.dropLast()), outputs: loadText.isEmpty ? [] : [
            .object(["output_type": .string("stream"), "name": .string("stdout"), "text": NotebookJSON.lines(loadText)]),
        ])

        // 3. Helpers and the target table.
        markdownCell("## \(mdEsc(L.targetProbabilityTitle))")
        let helpers = #"""
        def fmt_num(v, d):
            """v with d decimals, thousands grouped; Vietnamese uses '.' between thousands and ',' as the decimal mark."""
            s = f"{abs(v):,.{d}f}"
            if LANG == "vi":
                s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
            return ("−" if v < 0 and float(f"{abs(v):.{d}f}") != 0 else "") + s


        def fmt_pct(x, d):
            return fmt_num(x * 100, d) + "%"


        def meta(m):
            """Label, unit and share flag of a metric, from metrics.csv."""
            row = metrics[metrics["metric"] == m] if metrics is not None else None
            if row is None or row.empty:
                return {"label": m, "unit": "", "share": False}
            r = row.iloc[0]
            label = (r["label_vi"] if LANG == "vi" else r["label_en"]) or m
            share = r["unit"] == "share" or r["unit"].startswith("share ")
            return {"label": label, "unit": "%" if share else UNITS.get(r["unit"], r["unit"]), "share": share}


        def fmt_value(v, m):
            if meta(m)["share"]:
                d = 0
                while d < 3 and abs(v * 100 * 10**d - round(v * 100 * 10**d)) > 1e-9 * max(1, abs(v * 100 * 10**d)):
                    d += 1
                return fmt_pct(v, d)
            if v == round(v):
                return fmt_num(v, 0)
            mag = 0 if v == 0 else math.floor(math.log10(abs(v)))
            return fmt_num(v, max(0, min(6, 2 - mag)))


        OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


        def finite(x):
            return isinstance(x, (int, float)) and math.isfinite(x)


        def fmt_se(se):
            """A Monte Carlo standard error of a probability to two significant digits, "0.025%" (ReportNumberFormat.standardErrorPercent)."""
            if se == 0:
                return "0%"
            x = se * 100
            mag = math.floor(math.log10(abs(x)))
            if mag < -9:
                text = f"{x:.1e}"
                return (text.replace(".", ",") if LANG == "vi" else text) + "%"
            d = min(12, max(0, 1 - mag))
            if d > 0 and round(abs(x), d) >= 10 ** (mag + 1):  # 0.0998 is 0.10, not 0.100 (two digits)
                d -= 1
            return fmt_num(x, d) + "%"


        def fmt_prob(p, low, high):
            """A probability with its exact 95% interval, "41.2% (38.1–44.3%)"; 0 and 1 by the bound they do not exceed; the rules of ReportNumberFormat.probability."""
            if not finite(p):
                return "–"
            def digits(distance):
                return min(12, max(1, int(-math.floor(math.log10(distance * 100)))))
            def carried(x, d):  # a rounded bound without the trailing zeros a carry leaves ("0.10" -> "0.1"), unless that says 0.0 or 100.0
                text = fmt_num(x, d)
                trimmed = text
                for _ in range(1, d):
                    if trimmed.endswith("0"):
                        trimmed = trimmed[:-1]
                return text if trimmed in (fmt_num(0, 1), fmt_num(100, 1)) else trimmed
            if p == 0 and finite(high) and high > 0:
                d = digits(high)
                return "< " + carried(math.ceil(high * 100 * 10**d) / 10**d, d) + "%"
            if p == 1 and finite(low) and low < 1:
                d = digits(1 - low)
                return "> " + carried(math.floor(low * 100 * 10**d) / 10**d, d) + "%"
            def point(p):  # one decimal, "< 0.1%" / "> 99.9%" where a p strictly between 0 and 1 would print as 0.0% / 100.0%
                text = fmt_pct(p, 1)
                if 0 < p < 1:
                    if text == fmt_pct(0, 1):
                        return "< " + fmt_pct(0.001, 1)
                    if text == fmt_pct(1, 1):
                        return "> " + fmt_pct(0.999, 1)
                return text
            def bound(b, up):  # a bound strictly between 0 and 1 that would print as 0.0 / 100.0: rounded away from p at its first significant digit
                text = fmt_num(b * 100, 1)
                if not (0 < b < 1 and (text == fmt_num(0, 1) or text == fmt_num(100, 1))):
                    return text
                if b < 0.5:
                    d = digits(b)
                    return carried((math.ceil if up else math.floor)(b * 100 * 10**d) / 10**d, d)
                d = digits(1 - b)
                return carried(100 - (math.floor if up else math.ceil)((1 - b) * 100 * 10**d) / 10**d, d)
            if not (finite(low) and finite(high)):
                return point(p)
            return point(p) + " (" + bound(low, False) + "–" + bound(high, True) + "%)"


        def title_of(scenario):
            """A scenario's title in the report's language, else its identifier."""
            if scenarios is not None:
                row = scenarios[scenarios["scenario"] == scenario]
                if not row.empty:
                    if LANG == "vi" and "title_vi" in row.columns and row.iloc[0]["title_vi"]:
                        return row.iloc[0]["title_vi"]
                    if row.iloc[0]["title"]:
                        return row.iloc[0]["title"]
            return scenario


        def target_table():
            if targets is None or targets.empty:
                return HTML("<p>" + L["noTargets"] + "</p>")
            def text(t, name):  # an optional text column ("" when absent); its Vietnamese one (name_vi) in Vietnamese
                r = getattr(t, name, "")
                r = r if isinstance(r, str) else ""
                vi = getattr(t, name + "_vi", "") if LANG == "vi" else ""
                return vi if isinstance(vi, str) and vi and r else r
            def why(t):  # a plan target the model cannot evaluate has a reason and no probability
                return text(t, "reason")
            def label(t):  # what the target measures: its label_vi/label_en, else its metric's label
                own = getattr(t, "label_" + LANG, "")
                if isinstance(own, str) and own:
                    return own
                if metrics is not None and (metrics["metric"] == t.metric).any():
                    return meta(t.metric)["label"]
                en = getattr(t, "label_en", "")
                return en if isinstance(en, str) and en else t.metric
            rows = [[title_of(t.scenario), t.region, label(t), str(t.year), OPS[t.op] + " " + fmt_value(t.value, t.metric),
                     L["notEvaluated"] if why(t) else fmt_prob(t.probability, getattr(t, "probability_low", math.nan),
                                                               getattr(t, "probability_high", math.nan)),
                     "–" if why(t) or not finite(t.mc_se) else fmt_se(t.mc_se),
                     text(t, "source") + (" — " + L["notEvaluated"] + ": " + why(t) if why(t) else "")] for t in targets.itertuples()]
            table = pd.DataFrame(rows, columns=[L["scenario"], L["region"], L["metric"], L["year"], L["target"],
                                                L["probability"], L["mcSE"], L["source"]])
            return HTML(table.to_html(index=False))


        target_table()
        """#
        let tableHTML = folder.targets.isEmpty ? "<p>\(esc(L.noTargets))</p>" : htmlTable(targetTable(), numericFrom: 5, numericTo: 6)
        let tablePlain = folder.targets.isEmpty ? L.noTargets : targetTable().rows.map { $0.joined(separator: " | ") }.joined(separator: "\n")
        codeCell(helpers, outputs: [
            .object(["output_type": .string("execute_result"), "execution_count": .int(execution + 1), "metadata": .object([:]),
                     "data": .object(["text/html": NotebookJSON.lines(tableHTML), "text/plain": NotebookJSON.lines(tablePlain)])]),
        ])

        // 4. Fan charts.
        markdownCell("## \(mdEsc(L.notebookFans))")
        let fanCode = #"""
        def tick_format(ax, suffix="", sign=False):
            """Tick labels with as many decimals as the tick step needs, thousands grouped."""
            def f(v, pos):
                locs = ax.yaxis.get_majorticklocs()
                step = abs(locs[1] - locs[0]) if len(locs) > 1 else 1.0
                d = max(0, min(12, math.ceil(-math.log10(step) - 1e-9)))
                return ("+" if sign and v > 0 else "") + fmt_num(v, d) + suffix
            ax.yaxis.set_major_formatter(FuncFormatter(f))


        def style(ax, title, ylabel, ncol):
            ax.set_title(title, loc="left", fontsize=11)
            ax.set_xlabel(L["year"])
            ax.set_ylabel(ylabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(axis="y", color="#e3e3e3")
            ax.set_axisbelow(True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol, frameon=False, fontsize=9)


        def fan_chart(scenario, region, metric):
            """Median, 25-75% and 5-95% bands, observed history, targets with their probability."""
            info = meta(metric)
            k = 100.0 if info["share"] else 1.0
            sel = lambda df: df[(df["scenario"] == scenario) & (df["region"] == region) & (df["metric"] == metric)]
            s = sel(summary).sort_values("year")
            h = sel(history).sort_values("year") if history is not None else summary.iloc[0:0]
            t = sel(targets) if targets is not None else None
            years = [int(y) for y in s["year"]]
            q = {c: list(s[c] * k) for c in ["p05", "p25", "p50", "p75", "p95"]}
            fig, ax = plt.subplots(figsize=(9, 5.2))
            if len(h) and int(h["year"].iloc[-1]) == years[0] - 1:
                v0 = float(h["value"].iloc[-1]) * k
                years = [years[0] - 1] + years
                q = {c: [v0] + v for c, v in q.items()}
                ax.axvline(years[0], color="#bdbdbd", lw=1, ls=(0, (4, 3)))
            ax.fill_between(years, q["p05"], q["p95"], color="#9ecae1", alpha=0.45, lw=0, label=L["band5to95"])
            ax.fill_between(years, q["p25"], q["p75"], color="#4292c6", alpha=0.55, lw=0, label=L["band25to75"])
            ax.plot(years, q["p50"], color="#08306b", lw=2.4, label=L["median"])
            if len(h):
                ax.plot(h["year"], h["value"] * k, "-o", color="#252525", lw=1.2, ms=4, label=L["observed"])
            if t is not None:
                for i, r in enumerate(t.itertuples()):
                    ax.plot([r.year], [r.value * k], "D", mfc="white", mec="#d94801", mew=1.5, ms=8,
                            label=L["targetLegend"] if i == 0 else None)
                    text = f"{OPS[r.op]} {fmt_value(r.value, metric)}: {L['probabilityShort']} {fmt_pct(r.probability, 1)}"
                    ax.annotate(text, (r.year, r.value * k), textcoords="offset points", xytext=(0, 11), ha="center",
                                fontsize=9, color="#8c2d04",
                                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="#d94801", alpha=0.88))
            tick_format(ax, suffix="%" if info["share"] else "")
            style(ax, info["label"] + "\n" + title_of(scenario) + " · " + region, info["unit"] or info["label"], 5)
            fig.tight_layout()
            plt.show()


        def in_order(values, first=()):
            out = [v for v in first if v in set(values)]
            return out + [v for v in dict.fromkeys(values) if v not in out]


        SCENARIOS = in_order(list(summary["scenario"]), list(scenarios["scenario"]) if scenarios is not None else [])
        METRICS = in_order(list(summary["metric"]), list(metrics["metric"]) if metrics is not None else [])
        for region in dict.fromkeys(summary["region"]):
            for metric in METRICS:
                for scenario in SCENARIOS:
                    rows = summary[(summary["scenario"] == scenario) & (summary["region"] == region) & (summary["metric"] == metric)]
                    if len(rows):
                        fan_chart(scenario, region, metric)
        """#
        codeCell(fanCode, outputs: fanCharts().map { svgOutput($0.svg, caption: $0.caption) })

        // 5. Comparison charts.
        let comps = comparisonCharts()
        if !comps.isEmpty {
            markdownCell("## \(mdEsc(L.notebookCompare))")
            let compareCode = #"""
            def compare_chart(scenario, baseline, region, metric):
                """Alternative minus baseline: median difference, 5-95% band, zero line (shares in percentage points)."""
                info = meta(metric)
                k = 100.0 if info["share"] else 1.0
                d = compare[(compare["scenario"] == scenario) & (compare["baseline"] == baseline)
                            & (compare["region"] == region) & (compare["metric"] == metric)].sort_values("year")
                years = [int(y) for y in d["year"]]
                lo, mid, hi = list(d["p05_diff"] * k), list(d["p50_diff"] * k), list(d["p95_diff"] * k)
                if scenarios is not None:
                    row = scenarios[scenarios["scenario"] == scenario]
                    if not row.empty and int(row.iloc[0]["last_observed_year"]) == years[0] - 1:
                        years, lo, mid, hi = [years[0] - 1] + years, [0.0] + lo, [0.0] + mid, [0.0] + hi
                fig, ax = plt.subplots(figsize=(9, 5.2))
                ax.fill_between(years, lo, hi, color="#9ecae1", alpha=0.6, lw=0, label=L["band5to95"])
                ax.axhline(0, color="black", lw=1.1, ls=(0, (6, 4)), label=L["zero"])
                ax.plot(years, mid, color="#08306b", lw=2.4, label=L["medianDifference"])
                tick_format(ax, sign=True)
                last = d.iloc[-1]
                title = (f"{L['difference']}: {info['label']}\n{scenario} {L['differenceVersus']} {baseline} · {region} · "
                         f"{L['probIncrease']} {int(last['year'])}: {fmt_pct(last['prob_increase'], 1)}")
                unit = L["percentagePoints"] if info["share"] else info["unit"]
                style(ax, title, unit or info["label"], 3)
                fig.tight_layout()
                plt.show()


            for (scenario, baseline) in dict.fromkeys(zip(compare["scenario"], compare["baseline"])):
                for region in dict.fromkeys(summary["region"]):
                    for metric in in_order(list(compare["metric"]), METRICS):
                        d = compare[(compare["scenario"] == scenario) & (compare["baseline"] == baseline)
                                    & (compare["region"] == region) & (compare["metric"] == metric)]
                        if len(d):
                            compare_chart(scenario, baseline, region, metric)
            """#
            codeCell(compareCode, outputs: comps.map { svgOutput($0.svg, caption: $0.caption) })
        }

        let nb: NotebookJSON = .object([
            "cells": .array(cells),
            "metadata": .object([
                "kernelspec": .object(["display_name": .string("Python 3 (ipykernel)"), "language": .string("python"), "name": .string("python3")]),
                "language_info": .object(["name": .string("python"), "pygments_lexer": .string("ipython3")]),
                "coopsim": .object(["generator": .string("coopsim report"), "language": .string(language.rawValue)]),
            ]),
            "nbformat": .int(4),
            "nbformat_minor": .int(5),
        ])
        var out = ""
        nb.write(into: &out, indent: 0)
        return out + "\n"
    }
}
