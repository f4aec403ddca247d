-- wrk: POST /2.0/group_memberships, each wrk thread adding its own people to group 57001
-- (thread k takes users 20000007 + k * stride + 1, 2, ...). Used by sandbox.sh and onboard.sh;
-- the stride is wrk's argument after `--` (default 50000): the seed must cover threads * stride.
local threads = 0
function setup(thread) thread:set("slot", threads); threads = threads + 1 end
function init(args) n = 0; stride = tonumber(args[1] or "50000") end
function request()
    n = n + 1
    local body = '{"user":{"id":"' .. (20000007 + slot * stride + n) .. '"},"group":{"id":"57001"},"role":"member"}'
    return wrk.format("POST", "/2.0/group_memberships", {["Authorization"] = "Bearer box-sandbox-admin", ["Content-Type"] = "application/json"}, body)
end
