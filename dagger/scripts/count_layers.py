"""Prints how many layers the image in the tarball given has: OCI layout (index.json) or docker save's."""

import json
import sys
import tarfile

with tarfile.open(sys.argv[1]) as tar:
    names = tar.getnames()

    def read(name):
        return json.load(tar.extractfile(name))

    def blob(digest):
        return read("blobs/" + digest.replace(":", "/"))

    if "index.json" in names:
        manifest = blob(read("index.json")["manifests"][0]["digest"])
        if "manifests" in manifest:
            manifest = blob(manifest["manifests"][0]["digest"])
        print(len(manifest["layers"]))
    else:
        print(len(read("manifest.json")[0]["Layers"]))
