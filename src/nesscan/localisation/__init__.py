"""Where a protein lives, from its sequence: the compartment gate in front of the protein call.

CRM1 exports soluble proteins from the nucleoplasm; a protein in a membrane, the secretory
pathway or mitochondria cannot be its cargo. The modules follow the data:

* :mod:`~nesscan.localisation.toppred`: transmembrane segments from Debian's TopPred;
* :mod:`~nesscan.localisation.features`: N-terminal signal and membrane-segment features;
* :mod:`~nesscan.localisation.model`: the gate (:class:`~nesscan.localisation.model.CompartmentModel`),
  trained on the MultiLoc set with every cut-off chosen inside the training proteins, and
  the packaged gate's loader.

Training and its checks: :mod:`nesscan.validate.compartment`.
"""
