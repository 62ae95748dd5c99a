"""An independent tus client (tuspy) for the resume test.

upload ENDPOINT TOKEN FILE CHUNK STOP_AT: creates the upload and sends chunks, printing {"url", "offset"} after each;
    once STOP_AT bytes are acknowledged it prints {"paused": offset} and waits to be killed.
resume URL TOKEN FILE CHUNK: continues the upload at URL from the server's offset, printing {"start": offset} first
    and {"done": offset, "sent": bytes} at the end.
"""
import json
import sys
import time

from tusclient import client

mode, target, token, path, chunk = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
headers = {"Authorization": "Bearer " + token}

if mode == "upload":
    stop_at = int(sys.argv[6])
    tus = client.TusClient(target, headers=headers)
    uploader = tus.uploader(path, chunk_size=chunk, upload_checksum=True, metadata={"filename": "resumed take.mp4", "title": "Resumed",
                                                             "tags": "tus,resume", "machineModel": "M-200"})
    uploader.set_url(uploader.create_url())
    print(json.dumps({"url": uploader.url, "offset": uploader.offset}), flush=True)
    while uploader.offset < uploader.get_file_size():
        uploader.upload_chunk()
        print(json.dumps({"url": uploader.url, "offset": uploader.offset}), flush=True)
        if uploader.offset >= stop_at:
            print(json.dumps({"paused": uploader.offset}), flush=True)
            while True:
                time.sleep(3600)
elif mode == "resume":
    tus = client.TusClient(target.rsplit("/", 1)[0], headers=headers)
    uploader = tus.uploader(path, chunk_size=chunk, url=target, upload_checksum=True)
    start = uploader.get_offset()
    uploader.offset = start
    print(json.dumps({"start": start}), flush=True)
    uploader.upload()
    print(json.dumps({"done": uploader.offset, "sent": uploader.offset - start}), flush=True)
