import { Body, Controller, Post, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsEmail, IsInt, IsString, Min } from 'class-validator';
import request from 'supertest';
import { AllExceptionsFilter } from '../src/common/errors/all-exceptions.filter';
import { createValidationPipe } from '../src/common/http/validation.pipe';

class ProbeDto {
  @IsEmail() email!: string;
  @IsInt() @Min(1) count!: number;
  @IsString() name!: string;
}

@Controller('probe')
class ProbeController {
  @Post()
  accept(@Body() body: ProbeDto) {
    return { received: body };
  }

  @Post('crash')
  crash(): never {
    throw new Error('database password=hunter2 leaked in a stack');
  }
}

/** The global pipe and filter that createApp installs, exercised on a probe route. */
describe('request validation and error shape', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => app.close());

  it('lists every invalid field', async () => {
    const response = await request(app.getHttpServer()).post('/probe').send({ email: 'nope', count: 0 }).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED' });
    expect(response.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['count', 'email', 'name']);
  });

  it('rejects unknown fields by name', async () => {
    const response = await request(app.getHttpServer()).post('/probe').send({ email: 'a@b.co', count: 1, name: 'x', admin: true }).expect(400);
    expect(response.body.details).toEqual([{ field: 'admin', problems: ['property admin should not exist'] }]);
  });

  it('passes a valid body through', async () => {
    await request(app.getHttpServer()).post('/probe').send({ email: 'a@b.co', count: 2, name: 'x' }).expect(201);
  });

  it('answers the unexpected with a 500 carrying a correlation id and nothing internal', async () => {
    const response = await request(app.getHttpServer()).post('/probe/crash').expect(500);
    expect(response.body).toEqual({ statusCode: 500, error: 'INTERNAL_ERROR', message: expect.any(String), correlationId: expect.any(String) });
    expect(JSON.stringify(response.body)).not.toMatch(/hunter2|stack|\.ts:/);
  });
});
