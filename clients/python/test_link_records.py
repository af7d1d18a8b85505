"""Link records and reliable delivery, without a network: /usr/bin/python3 -m unittest discover -s clients/python"""
import struct
import unittest

from link_records import (
    ACK, BINARY, DATA, FIRST, FWD, HISTORY, LAST, PING, PONG, ReliableReceiver, ReliableSender, WireError, decode_batch,
    encode_ack, encode_data, encode_time,
)

CHUNK = 16 * 1024 - 10


def deliver(receiver, records):
    """Feeds DATA records; returns (messages, problems)."""
    messages, problems = [], []
    for record in records:
        for kind, *fields in decode_batch(record):
            assert kind == DATA
            done, found = receiver.receive(*fields)
            messages += done
            problems += found
    return messages, problems


class RecordsTest(unittest.TestCase):
    def test_a_batch_of_every_record_kind_decodes_in_order(self):
        fwd = bytes([FWD, 3]) + b"abc" + struct.pack(">I", 2) + b"xy"
        batch = encode_ack(7) + encode_time(PING, 1.5) + encode_time(PONG, 2.5) + encode_data(1, FIRST | LAST, b"\x01r!") + fwd
        self.assertEqual(decode_batch(batch), [(ACK, 7), (PING, 1.5), (PONG, 2.5), (DATA, 1, FIRST | LAST, b"\x01r!"), (FWD, "abc", b"xy")])

    def test_truncated_or_unknown_records_refuse_the_whole_batch(self):
        good = encode_ack(1)
        for bad in [b"\x09", good + b"\x01\x00", good + encode_data(1, 3, b"abc")[:-1], b"\x02\x00\x00", b"\x03" + b"\x00" * 7,
                    b"\x01" + struct.pack(">IBI", 1, 3, 0xFFFFFFFF), bytes([FWD, 200]) + b"x"]:
            with self.assertRaises(WireError, msg=bad):
                decode_batch(bad)


class ReliableTest(unittest.TestCase):
    def test_a_large_message_is_chunked_and_reassembled_once_whatever_the_order_and_repeats(self):
        sender, receiver = ReliableSender(), ReliableReceiver()
        text = "é" * 40_000  # 80,000 bytes of UTF-8: 5 chunks
        records = sender.encode("room", text, False, CHUNK)
        self.assertEqual(len(records), 5)
        messages, problems = deliver(receiver, [records[2], records[0], records[4], records[0], records[1], records[3], records[2]])
        self.assertEqual(problems, [])
        self.assertEqual([(m.room, m.data, m.whisper) for m in messages], [("room", text, False)])
        self.assertEqual(receiver.acknowledged, 5)

    def test_acknowledged_records_are_not_resent(self):
        sender = ReliableSender()
        first = sender.encode("r", b"\x00\x01", True, CHUNK)
        second = sender.encode("r", "two", False, CHUNK)
        self.assertTrue(sender.acknowledge(1))
        self.assertEqual(sender.pending(), second)
        self.assertFalse(sender.acknowledge(1))
        self.assertEqual(decode_batch(first[0])[0][2], FIRST | LAST | BINARY | 8)

    def test_a_message_that_never_ends_is_dropped_at_the_bound_and_the_next_one_arrives(self):
        receiver = ReliableReceiver(max_message_bytes=1000)
        hostile = [encode_data(1, FIRST, b"\x01r" + b"x" * 400)] + [encode_data(seq, 0, b"y" * 400) for seq in range(2, 50)]
        messages, problems = deliver(receiver, hostile)
        self.assertEqual((messages, len(problems)), ([], 1))
        self.assertIsNone(receiver.partial)  # nothing of it is kept
        messages, problems = deliver(receiver, [encode_data(50, FIRST | LAST, b"\x01rok")])
        self.assertEqual(([m.data for m in messages], problems), (["ok"], []))

    def test_chunks_far_ahead_of_a_gap_are_not_kept(self):
        receiver = ReliableReceiver(max_early_chunks=10, max_early_bytes=1000)
        deliver(receiver, [encode_data(seq, FIRST | LAST, b"\x01r" + b"z" * 100) for seq in range(2, 5000)])
        self.assertLessEqual(len(receiver.early), 10)
        self.assertLessEqual(receiver.early_bytes, 1000)
        self.assertEqual(receiver.acknowledged, 0)

    def test_malformed_messages_are_reported_and_skipped(self):
        receiver = ReliableReceiver()
        messages, problems = deliver(receiver, [
            encode_data(1, FIRST | LAST, b"\x09ab"),  # a room name longer than the message
            encode_data(2, LAST, b"stray"),  # a continuation without its first chunk
            encode_data(3, FIRST | LAST | HISTORY, b"\x01r\x05ab"),  # a history header cut short
            encode_data(4, FIRST | LAST, b"\x01r\xff\xfe"),  # text that is not UTF-8: replaced, as TextDecoder does
        ])
        self.assertEqual(len(problems), 3)
        self.assertEqual([m.data for m in messages], ["\ufffd\ufffd"])

    def test_history_messages_carry_their_origin_and_time(self):
        receiver = ReliableReceiver()
        payload = b"\x01r" + b"\x03abc" + struct.pack(">d", 1234.5) + b"old"
        messages, _ = deliver(receiver, [encode_data(1, FIRST | LAST | HISTORY, payload)])
        self.assertEqual([(m.data, m.history) for m in messages], [("old", ("abc", 1234.5))])


if __name__ == "__main__":
    unittest.main()
