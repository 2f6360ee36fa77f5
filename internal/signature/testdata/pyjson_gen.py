# Regenerates pyjson.json: python3 testdata/pyjson_gen.py (from internal/signature).
# Each valid input is paired with json.dumps(json.loads(input.encode())).
import json
cases = [
 '{"event":"kyc.verification.success","customer_id":"931e2341-c3eb-4681-97d4-f6e09d90da14","occurred_at":"2021-10-20T10:27:20.154286+00:00"}',
 '{}', '[]', '{"a":[]}', '{"a":{}}', '[1,2,[3,{"b":null}]]', 'true', 'null', '"x"', '  {"a" :  1 ,\n\t"b":false }  ',
 '{"a":1,"b":2,"a":3}',
 '{"name":"Zoë ☃ 😀","emoji":"\\ud83d\\ude00","lone":"\\ud800x","ctl":"\\u0000\\u001f\\u007f\\u0080","short":"\\b\\f\\n\\r\\t\\"\\\\\\/","A":"\\u0041\\u00e9\\u00E9"}',
 '"\u007f\u00a0\u2028"',
 '[0,-0,1,-1,12345678901234567890123456789,-98765432109876543210]',
 '[1.0,1.5,-0.0,0.0,100.0,1e0,1E2,1e16,1e15,1.5e16,123456789012345678.0,0.0001,0.00001,1.5e-5,1e-7,3.14159,2.5e-310,1e308,1e400,-1e400,1e-400,0.1,0.2,0.30000000000000004,1.7976931348623157e308,5e-324,9007199254740993.0,12.50,1e+2,1e-2,1.23456789e-4]',
 '[NaN,Infinity,-Infinity]',
 '{"amount":"12.50","fee":"0.00","balances":{"prior_balance":"100.00","new_balance":"87.50"},"nested":[{"x":1.10},{"y":[true,false,null]}]}',
 '\ufeff{"bom":1}',
]
out = [{"in": c, "out": json.dumps(json.loads(c.encode('utf-8')))} for c in cases]
bad = ['', '{', '[1,]', '{"a":1,}', '01', '1.', '.5', '-', '"\x01"', '{"a" 1}', '[1 2]', 'tru', '{"a":1}x', '"\\x"', '"\\u12"', "{'a':1}", '+1', '1e', '[', '"abc']
for b in bad:
    try:
        json.loads(b.encode('utf-8'))
        raise SystemExit("python accepts %r" % b)
    except ValueError:
        pass
json.dump({"valid": out, "invalid": bad}, open('testdata/pyjson.json', 'w'), ensure_ascii=False, indent=1)
