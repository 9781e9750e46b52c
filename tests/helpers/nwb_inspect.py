"""Check NWB files with the field's own tools: nwbinspector's best-practice checks, and pynwb's reading.

usage: PYTHONPATH=DIR /usr/bin/python3 tests/helpers/nwb_inspect.py FILE.nwb ...
DIR holds pynwb 2.3.0 and nwbinspector 0.4.28 unpacked from vendor/nwb-tools/. Prints one JSON object:
{FILE: {"messages": [{importance, check, location, message}], "spikes": [[s, ...] per cell] or null,
"series": {NAME: {"t": [...], "data": [...], "starting_time", "rate"}}, "subject": {...}, "keywords",
"related_publications", "experimenter", "institution", "session_description"}}. A series' times are pynwb's timestamps, or
starting_time + i / rate when it has none (as NWB defines them). Exit 0, or 3 when a module is missing.
"""
import json
import sys
import warnings

try:
    import numpy as np
    from nwbinspector import inspect_nwbfile
    from pynwb import NWBHDF5IO, TimeSeries
except ImportError as e:  # pragma: no cover
    print(f"nwb_inspect: {e}")
    sys.exit(3)


def times(ts):
    """The sample times of a TimeSeries, s."""
    if ts.timestamps is not None:
        return [float(x) for x in ts.timestamps[:]]
    return [float(x) for x in ts.starting_time + np.arange(len(ts.data)) / ts.rate]


def text_list(v):
    return None if v is None else [x.decode() if isinstance(x, bytes) else str(x) for x in v]


def read(path):
    """What pynwb reads from the file: spike times per cell, every TimeSeries of every module, metadata."""
    with NWBHDF5IO(path, "r") as io:
        f = io.read()
        units = f.units
        spikes = None
        if units is not None and "spike_times" in units.colnames:
            spikes = [[float(x) for x in units["spike_times"][i]] for i in range(len(units))]
        series = {}
        for module in f.processing.values():
            for name, ts in module.data_interfaces.items():
                if isinstance(ts, TimeSeries):
                    series[f"{module.name}/{name}"] = {
                        "t": times(ts),
                        "data": [float(x) for x in ts.data[:]],
                        "starting_time": ts.starting_time,
                        "rate": ts.rate,
                        "unit": ts.unit,
                        "description": ts.description,
                    }
        s = f.subject
        subject = None
        if s is not None:
            keys = ("subject_id", "species", "genotype", "sex", "age", "description")
            subject = {k: getattr(s, k) for k in keys}
        return {
            "spikes": spikes,
            "series": series,
            "subject": subject,
            "keywords": text_list(f.keywords),
            "related_publications": text_list(f.related_publications),
            "experimenter": text_list(f.experimenter),
            "institution": f.institution,
            "session_description": f.session_description,
        }


def main(paths):
    out = {}
    for p in paths:
        with warnings.catch_warnings():
            # pynwb warns that the parameters table's column "name" hides DynamicTable.name: harmless here
            warnings.simplefilter("ignore")
            messages = [
                {
                    "importance": m.importance.name,
                    "check": m.check_function_name,
                    "location": m.location,
                    "message": m.message,
                }
                for m in inspect_nwbfile(nwbfile_path=p)
            ]
            out[p] = {"messages": messages, **read(p)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
