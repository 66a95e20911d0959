"""Address parsing and normalization (USPS Publication 28), and block / intersection keys.

Public API::

    from civicgrid.addresses import normalize_address, AddressNormalizer, NormalizedAddress, block_key

    a = normalize_address("200 Block N DITHRIDGE ST PITTSBURGH, PA ")
    a.kind, a.block_key          # ("block", "200 N DITHRIDGE ST")

See :mod:`civicgrid.addresses.normalize` for the pipeline and
:mod:`civicgrid.addresses.model` for the keys.
"""

from .model import KINDS, NormalizedAddress, block_key
from .normalize import AddressNormalizer, normalize_address
from .pub28 import SUFFIX_SOURCE

__all__ = ["KINDS", "AddressNormalizer", "NormalizedAddress", "SUFFIX_SOURCE", "block_key",
           "normalize_address"]
