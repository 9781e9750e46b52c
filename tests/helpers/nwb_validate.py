"""Validate NWB files against the vendored NWB 2.5.0 core schema with hdmf (Debian 12: python3-hdmf 3.5.1).

usage: python3 tests/helpers/nwb_validate.py FILE.nwb ...
Prints one line per file ("FILE: ok" or "FILE: N errors" then one indented line per error); exit 0 when
every file is valid, 1 otherwise, 3 when hdmf or h5py is missing. The spec classes map NWB's key names
(neurodata_type_def, neurodata_type_inc, neurodata_types) to hdmf's and read the type of an object
from its `neurodata_type` attribute, as pynwb does; hdmf-common 1.5.1 comes from Debian's hdmf itself.
"""
import os
import sys
import tempfile

try:
    import yaml
    import hdmf.common
    from hdmf.backends.hdf5 import HDF5IO
    from hdmf.build import BuildManager, TypeMap
    from hdmf.spec import AttributeSpec, DatasetSpec, GroupSpec, LinkSpec, NamespaceCatalog, SpecNamespace
    from hdmf.validate import ValidatorMap
except ImportError as e:  # pragma: no cover
    print(f"nwb_validate: hdmf/h5py missing: {e}")
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(HERE, "..", "..", "vendor", "nwb-schema-2.5.0", "core")
COMMON = os.path.join(os.path.dirname(hdmf.common.__file__), "hdmf-common-schema", "common")
RENAME = {"neurodata_type_def": "data_type_def", "neurodata_type_inc": "data_type_inc", "neurodata_types": "data_types"}


def renamed(v):
    """NWB's key names as hdmf's (the YAML of NWB core says neurodata_type_def where hdmf says data_type_def)."""
    if isinstance(v, dict):
        return {RENAME.get(k, k): renamed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [renamed(x) for x in v]
    return v


class NWBAttributeSpec(AttributeSpec):
    pass


class _TypeKey:
    """In an NWB file every typed object names its type in the attribute `neurodata_type`."""

    @classmethod
    def type_key(cls):
        return "neurodata_type"


class NWBLinkSpec(LinkSpec):
    pass


class NWBDatasetSpec(_TypeKey, DatasetSpec):
    @classmethod
    def attribute_spec_cls(cls):
        return NWBAttributeSpec


class NWBGroupSpec(_TypeKey, GroupSpec):
    @classmethod
    def attribute_spec_cls(cls):
        return NWBAttributeSpec

    @classmethod
    def dataset_spec_cls(cls):
        return NWBDatasetSpec

    @classmethod
    def link_spec_cls(cls):
        return NWBLinkSpec


def catalog_in(tmp):
    """hdmf-common (as Debian's hdmf ships it) and NWB core 2.5.0, key names renamed, in one catalog."""
    for name, src in (("common", COMMON), ("core", CORE)):
        os.makedirs(os.path.join(tmp, name))
        for f in os.listdir(src):
            if f.endswith(".yaml"):
                with open(os.path.join(src, f)) as fh:
                    doc = renamed(yaml.safe_load(fh))
                with open(os.path.join(tmp, name, f), "w") as fh:
                    yaml.safe_dump(doc, fh)
    catalog = NamespaceCatalog(NWBGroupSpec, NWBDatasetSpec, SpecNamespace)
    catalog.load_namespaces(os.path.join(tmp, "common", "namespace.yaml"))
    catalog.load_namespaces(os.path.join(tmp, "core", "nwb.namespace.yaml"))
    return catalog


def typed_builders(b):
    """Every typed group and dataset below b (hdmf checks a child of a '*' include such as a TimeSeries in a
    ProcessingModule only against the included base type, NWBDataInterface, so each is checked against its own)."""
    for c in list(b.groups.values()) + list(b.datasets.values()):
        if c.attributes.get("neurodata_type") is not None:
            yield c
        if hasattr(c, "groups"):
            yield from typed_builders(c)


def validate_all(vmap, root):
    errors = list(vmap.validate(root))
    for b in typed_builders(root):
        errors.extend(vmap.validate(b))
    seen, out = set(), []
    for e in errors:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out


def main(paths):
    with tempfile.TemporaryDirectory() as tmp:
        catalog = catalog_in(tmp)
    type_map = TypeMap(catalog)
    vmap = ValidatorMap(catalog.get_namespace("core"))
    bad = 0
    for p in paths:
        with HDF5IO(p, manager=BuildManager(type_map), mode="r") as io:
            builder = io.read_builder()
            errors = validate_all(vmap, builder)
        if errors:
            bad += 1
            print(f"{p}: {len(errors)} errors")
            for e in errors:
                print(f"  {e}")
        else:
            print(f"{p}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
